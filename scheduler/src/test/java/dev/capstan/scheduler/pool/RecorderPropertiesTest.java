package dev.capstan.scheduler.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.capture.VideoProfile;
import dev.capstan.recorder.slot.SlotConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.ConfigurationPropertiesAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

class RecorderPropertiesTest {

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ConfigurationPropertiesAutoConfiguration.class))
            .withUserConfiguration(Config.class);

    @EnableConfigurationProperties(RecorderProperties.class)
    static class Config {
    }

    @Test
    void zeroConfigurationGivesTheBundledFfmpegAt720p30() {
        context.run(ctx -> {
            SlotConfig slot = ctx.getBean(RecorderProperties.class).slotConfig();
            assertThat(slot.profile()).isEqualTo(VideoProfile.HD_720P30);
            assertThat(slot.ffmpeg()).isEmpty();
            assertThat(slot.audioDelay()).isEqualTo(Duration.ofMillis(80));
            assertThat(slot.chromium()).hasToString("/usr/lib/chromium/chromium");
        });
    }

    @Test
    void presetsAndPathsAreConfigurable() {
        context.withPropertyValues("capstan.recorder.profile=1080p", "capstan.recorder.ffmpeg=/usr/bin/ffmpeg")
                .run(ctx -> {
                    SlotConfig slot = ctx.getBean(RecorderProperties.class).slotConfig();
                    assertThat(slot.profile()).isEqualTo(VideoProfile.FULL_HD_1080P30);
                    assertThat(slot.ffmpeg()).hasValueSatisfying(path -> assertThat(path).hasToString("/usr/bin/ffmpeg"));
                });
    }

    @Test
    void anUnknownProfileStopsStartUpWithAClearMessage() {
        context.withPropertyValues("capstan.recorder.profile=banana").run(ctx -> {
            assertThat(ctx).hasFailed();
            assertThat(ctx.getStartupFailure()).rootCause().hasMessageContaining("unknown video profile 'banana'");
        });
    }
}
