package dev.capstan.recorder.capture;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The FFmpeg command line of one capture: the slot's display and sound in, one H.264/AAC encode out, written
 * as fragmented-MP4 segments (an HLS event playlist) so that a kill loses at most the segment being written.
 *
 * @param audioDelay shifts sound later to line it up with the picture, which reaches the screen a little after
 *                   the browser plays the matching sound
 * @param maxDuration stops the capture by itself after this much recorded media
 */
public record CaptureCommand(
        String display,
        String pulseServer,
        String pulseSource,
        VideoProfile profile,
        Path segmentDirectory,
        Duration segmentLength,
        Duration audioDelay,
        Optional<Duration> maxDuration) {

    public static final String INIT_SEGMENT = "init.mp4";
    public static final String SEGMENT_PATTERN = "seg_%05d.m4s";
    public static final String PLAYLIST = "index.m3u8";

    public List<String> arguments(Path ffmpeg) {
        List<String> args = new ArrayList<>(List.of(
                ffmpeg.toString(), "-hide_banner", "-nostdin", "-loglevel", "warning",
                "-progress", "pipe:1", "-stats_period", "0.25"));
        args.addAll(List.of(
                // Sound first: opened after x11grab, the slow pulse input starves the grabber (frozen pictures).
                // Without -fragment_size 4096 the bundled FFmpeg starves x11grab too (40% repeated frames).
                "-f", "pulse", "-server", pulseServer, "-fragment_size", "4096", "-thread_queue_size", "512",
                "-i", pulseSource,
                // Picture: the whole display, no cursor. A small input queue bounds memory when the host is busy.
                // FFmpeg starts each input's clock at its own first packet, and the pulse input takes up to a
                // second to open: -isync keeps the picture on the sound's timeline (both stamp the wall clock).
                "-isync", "0",
                "-f", "x11grab", "-draw_mouse", "0", "-framerate", Integer.toString(profile.frameRate()),
                "-video_size", profile.width() + "x" + profile.height(), "-thread_queue_size", "512",
                "-i", display + ".0+0,0",
                "-map", "1:v", "-map", "0:a",
                "-c:v", "libx264", "-preset", profile.x264Preset(), "-profile:v", "high", "-pix_fmt", "yuv420p",
                "-crf", Integer.toString(profile.crf()), "-g", Integer.toString(profile.gopFrames()),
                "-keyint_min", Integer.toString(profile.gopFrames()), "-sc_threshold", "0",
                "-r", Integer.toString(profile.frameRate()),
                "-c:a", "aac", "-b:a", profile.audioBitrateKbps() + "k", "-ar", "48000", "-ac", "2",
                "-af", audioFilter()));
        maxDuration.ifPresent(limit -> args.addAll(List.of("-t", seconds(limit))));
        args.addAll(List.of(
                "-f", "hls", "-hls_time", seconds(segmentLength), "-hls_list_size", "0",
                "-hls_playlist_type", "event", "-hls_segment_type", "fmp4",
                "-hls_flags", "independent_segments+temp_file",
                "-hls_fmp4_init_filename", INIT_SEGMENT,
                "-hls_segment_filename", segmentDirectory.resolve(SEGMENT_PATTERN).toString(),
                segmentDirectory.resolve(PLAYLIST).toString()));
        return List.copyOf(args);
    }

    /**
     * The delay is a filter, not -itsoffset: -isync would carry an input offset over to the picture too.
     * aresample fills gaps and trims overlaps so the sound follows the wall clock without drifting.
     */
    private String audioFilter() {
        String resample = "aresample=async=1";
        return audioDelay.isZero() ? resample : "adelay=delays=" + audioDelay.toMillis() + ":all=1," + resample;
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.3f", duration.toNanos() / 1e9);
    }
}
