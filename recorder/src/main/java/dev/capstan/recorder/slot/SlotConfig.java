package dev.capstan.recorder.slot;

import dev.capstan.recorder.capture.VideoProfile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a slot is built. {@link #defaults()} works on Debian with the packages {@code ./capstan} installs.
 *
 * @param ffmpeg           empty means the FFmpeg bundled with JavaCV
 * @param displayNumber    empty means the first free display
 * @param audioDelay       how much later sound is placed to match the picture (measured: the screen lags the
 *                         browser's audio output by a few frames)
 * @param workDirectory    where slots keep their private runtime files (sound server socket, browser profile)
 */
public record SlotConfig(
        Path xvfb,
        Path pulseaudio,
        Path chromium,
        Path chromedriver,
        Optional<Path> ffmpeg,
        OptionalInt displayNumber,
        VideoProfile profile,
        Duration pageLoadTimeout,
        Duration firstFrameTimeout,
        Duration segmentLength,
        Duration audioDelay,
        Path workDirectory,
        List<String> browserFlags) {

    /**
     * The picture reaches the screen grab about 80 ms after the matching sound reaches the sink monitor
     * (measured over the demo page's flash-and-beep pulses on this stack), so sound is placed that much later.
     */
    public static final Duration DEFAULT_AUDIO_DELAY = Duration.ofMillis(80);

    public SlotConfig {
        browserFlags = List.copyOf(browserFlags);
    }

    public static SlotConfig defaults() {
        return new SlotConfig(
                Path.of("/usr/bin/Xvfb"),
                Path.of("/usr/bin/pulseaudio"),
                // Not /usr/bin/chromium: that wrapper script adds flags from /etc/chromium.d.
                Path.of("/usr/lib/chromium/chromium"),
                Path.of("/usr/bin/chromedriver"),
                Optional.empty(),
                OptionalInt.empty(),
                VideoProfile.HD_720P30,
                Duration.ofSeconds(30),
                Duration.ofSeconds(10),
                Duration.ofSeconds(2),
                DEFAULT_AUDIO_DELAY,
                Path.of(System.getProperty("java.io.tmpdir"), "capstan"),
                List.of());
    }

    public SlotConfig withProfile(VideoProfile value) {
        return new SlotConfig(xvfb, pulseaudio, chromium, chromedriver, ffmpeg, displayNumber, value,
                pageLoadTimeout, firstFrameTimeout, segmentLength, audioDelay, workDirectory, browserFlags);
    }

    public SlotConfig withFfmpeg(Path value) {
        return new SlotConfig(xvfb, pulseaudio, chromium, chromedriver, Optional.of(value), displayNumber, profile,
                pageLoadTimeout, firstFrameTimeout, segmentLength, audioDelay, workDirectory, browserFlags);
    }

    public SlotConfig withChromium(Path value) {
        return new SlotConfig(xvfb, pulseaudio, value, chromedriver, ffmpeg, displayNumber, profile,
                pageLoadTimeout, firstFrameTimeout, segmentLength, audioDelay, workDirectory, browserFlags);
    }

    public SlotConfig withDisplayNumber(int value) {
        return new SlotConfig(xvfb, pulseaudio, chromium, chromedriver, ffmpeg, OptionalInt.of(value), profile,
                pageLoadTimeout, firstFrameTimeout, segmentLength, audioDelay, workDirectory, browserFlags);
    }

    public SlotConfig withPageLoadTimeout(Duration value) {
        return new SlotConfig(xvfb, pulseaudio, chromium, chromedriver, ffmpeg, displayNumber, profile,
                value, firstFrameTimeout, segmentLength, audioDelay, workDirectory, browserFlags);
    }

    public SlotConfig withAudioDelay(Duration value) {
        return new SlotConfig(xvfb, pulseaudio, chromium, chromedriver, ffmpeg, displayNumber, profile,
                pageLoadTimeout, firstFrameTimeout, segmentLength, value, workDirectory, browserFlags);
    }

    public SlotConfig withWorkDirectory(Path value) {
        return new SlotConfig(xvfb, pulseaudio, chromium, chromedriver, ffmpeg, displayNumber, profile,
                pageLoadTimeout, firstFrameTimeout, segmentLength, audioDelay, value, browserFlags);
    }
}
