package dev.capstan.scheduler.pool;

import dev.capstan.recorder.capture.VideoProfile;
import dev.capstan.recorder.slot.SlotConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code capstan.recorder.*}: how recorder slots are built. Every setting has a default that works on Debian with
 * the packages {@code ./capstan} installs.
 *
 * @param ffmpeg       an FFmpeg binary to use instead of the one bundled with JavaCV (unset: the bundled one)
 * @param profile      {@code 720p}, {@code 1080p}, {@code 540p} or {@code WIDTHxHEIGHT}
 * @param audioDelay   sound is shifted this much later to line up with the picture
 */
@ConfigurationProperties("capstan.recorder")
public record RecorderProperties(
        @DefaultValue("/usr/bin/Xvfb") Path xvfb,
        @DefaultValue("/usr/bin/pulseaudio") Path pulseaudio,
        @DefaultValue("/usr/lib/chromium/chromium") Path chromium,
        @DefaultValue("/usr/bin/chromedriver") Path chromedriver,
        Path ffmpeg,
        @DefaultValue("720p") String profile,
        @DefaultValue("30s") Duration pageLoadTimeout,
        @DefaultValue("10s") Duration firstFrameTimeout,
        @DefaultValue("2s") Duration segmentLength,
        @DefaultValue("80ms") Duration audioDelay,
        @DefaultValue List<String> browserFlags) {

    public RecorderProperties {
        VideoProfile.named(profile); // fail at start-up, not at the first recording
    }

    /** The slot configuration these properties describe. */
    public SlotConfig slotConfig() {
        SlotConfig defaults = SlotConfig.defaults();
        return new SlotConfig(xvfb, pulseaudio, chromium, chromedriver, Optional.ofNullable(ffmpeg), defaults.displayNumber(),
                VideoProfile.named(profile), pageLoadTimeout, firstFrameTimeout, segmentLength, audioDelay,
                defaults.workDirectory(), browserFlags);
    }
}
