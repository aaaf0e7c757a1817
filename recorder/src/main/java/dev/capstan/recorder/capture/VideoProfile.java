package dev.capstan.recorder.capture;

import java.util.Locale;

/**
 * The picture and sound a slot produces. The display is created at this size, so a slot has one profile.
 *
 * @param x264Preset speed/size trade-off of libx264. superfast (with zerolatency, see {@link CaptureCommand}) encodes
 *                   the demo meeting at 720p30 for about 0.3 cores here, against 0.4 for veryfast, in files about
 *                   half the size of Jibri's ultrafast ones
 * @param crf        constant rate factor for file recordings (lower is better and bigger)
 */
public record VideoProfile(
        String name, int width, int height, int frameRate, String x264Preset, int crf, int audioBitrateKbps) {

    public static final VideoProfile HD_720P30 = new VideoProfile("720p", 1280, 720, 30, "superfast", 25, 128);
    public static final VideoProfile FULL_HD_1080P30 = new VideoProfile("1080p", 1920, 1080, 30, "superfast", 25, 128);
    public static final VideoProfile SD_540P30 = new VideoProfile("540p", 960, 540, 30, "superfast", 25, 96);

    public VideoProfile {
        if (width < 16 || height < 16 || width % 2 != 0 || height % 2 != 0) {
            throw new IllegalArgumentException("video size must be even and at least 16x16, got " + width + "x" + height);
        }
        if (frameRate < 1 || frameRate > 60) {
            throw new IllegalArgumentException("frame rate must be 1..60, got " + frameRate);
        }
    }

    /** A preset by name ({@code 720p}, {@code 1080p}, {@code 540p}) or an explicit {@code WIDTHxHEIGHT}. */
    public static VideoProfile named(String name) {
        String key = name.trim().toLowerCase(Locale.ROOT);
        return switch (key) {
            case "720p", "720p30", "1280x720" -> HD_720P30;
            case "1080p", "1080p30", "1920x1080" -> FULL_HD_1080P30;
            case "540p", "540p30", "960x540" -> SD_540P30;
            default -> {
                String[] size = key.split("x");
                if (size.length != 2 || !size[0].matches("\\d{1,5}") || !size[1].matches("\\d{1,5}")) {
                    throw new IllegalArgumentException("unknown video profile '" + name + "'; use 720p, 1080p, 540p or WIDTHxHEIGHT");
                }
                yield new VideoProfile(key, Integer.parseInt(size[0]), Integer.parseInt(size[1]), 30, "superfast", 25, 128);
            }
        };
    }

    public VideoProfile withX264Preset(String preset) {
        return new VideoProfile(name, width, height, frameRate, preset, crf, audioBitrateKbps);
    }
}
