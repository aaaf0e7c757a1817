package dev.capstan.recorder.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Operators name a video profile in configuration; a wrong one is refused with a message that says what to write. */
class VideoProfileTest {

    @Test
    void presetsAreFoundByName() {
        assertThat(VideoProfile.named("720p")).isSameAs(VideoProfile.HD_720P30);
        assertThat(VideoProfile.named("1080p")).isSameAs(VideoProfile.FULL_HD_1080P30);
        assertThat(VideoProfile.named("540p")).isSameAs(VideoProfile.SD_540P30);
        assertThat(VideoProfile.named("720p30")).isSameAs(VideoProfile.HD_720P30);
        assertThat(VideoProfile.named(" 1080P30 ")).as("trimmed, any case").isSameAs(VideoProfile.FULL_HD_1080P30);
    }

    @Test
    void presetsHaveTheirSizeAndRate() {
        VideoProfile hd = VideoProfile.HD_720P30;
        assertThat(hd.width()).isEqualTo(1280);
        assertThat(hd.height()).isEqualTo(720);
        assertThat(hd.frameRate()).isEqualTo(30);
        assertThat(VideoProfile.FULL_HD_1080P30.width()).isEqualTo(1920);
        assertThat(VideoProfile.FULL_HD_1080P30.height()).isEqualTo(1080);
        assertThat(VideoProfile.SD_540P30.width()).isEqualTo(960);
        assertThat(VideoProfile.SD_540P30.height()).isEqualTo(540);
    }

    @Test
    void aPresetSizeWrittenOutIsThePreset() {
        assertThat(VideoProfile.named("1280x720")).isSameAs(VideoProfile.HD_720P30);
        assertThat(VideoProfile.named("1920X1080")).isSameAs(VideoProfile.FULL_HD_1080P30);
        assertThat(VideoProfile.named("960x540")).isSameAs(VideoProfile.SD_540P30);
    }

    @Test
    void anyEvenSizeCanBeGivenAsWidthByHeight() {
        VideoProfile custom = VideoProfile.named("640x360");

        assertThat(custom.width()).isEqualTo(640);
        assertThat(custom.height()).isEqualTo(360);
        assertThat(custom.frameRate()).isEqualTo(30);
        assertThat(custom.name()).isEqualTo("640x360");
    }

    @Test
    void oddSizesAreRejectedBecauseTheEncoderNeedsEvenOnes() {
        assertThatThrownBy(() -> VideoProfile.named("641x360"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("video size must be even and at least 16x16, got 641x360");
        assertThatThrownBy(() -> VideoProfile.named("640x361"))
                .hasMessageContaining("even").hasMessageContaining("640x361");
    }

    @Test
    void tinySizesAreRejected() {
        assertThatThrownBy(() -> VideoProfile.named("8x8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 16x16").hasMessageContaining("8x8");
        assertThatThrownBy(() -> VideoProfile.named("0x720")).hasMessageContaining("at least 16x16");
    }

    @Test
    void unknownNamesAreRejectedWithTheChoices() {
        for (String name : new String[] {"4k", "720", "1280x720x30", "hdxwide", "x720", "1280x"}) {
            assertThatThrownBy(() -> VideoProfile.named(name))
                    .as(name)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + name + "'")
                    .hasMessageContaining("720p, 1080p, 540p or WIDTHxHEIGHT");
        }
    }

    @Test
    void frameRateOutsideOneToSixtyIsRejected() {
        assertThatThrownBy(() -> new VideoProfile("fast", 640, 360, 120, "veryfast", 25, 128))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("frame rate must be 1..60, got 120");
        assertThatThrownBy(() -> new VideoProfile("still", 640, 360, 0, "veryfast", 25, 128))
                .hasMessageContaining("frame rate");
    }

    @Test
    void aBusyHostStartsTheEncoderWithTheFastestPreset() {
        VideoProfile hd = VideoProfile.HD_720P30;

        assertThat(PresetChoice.forLoad(hd, 0.4, 2)).as("a quiet host keeps the profile's preset").isEqualTo(hd);
        VideoProfile busy = PresetChoice.forLoad(hd, 1.6, 2);
        assertThat(busy.x264Preset()).as("three quarters of the cores busy").isEqualTo("ultrafast");
        assertThat(busy.withX264Preset(hd.x264Preset())).as("only the preset changes").isEqualTo(hd);
    }

    @Test
    void aPictureLargerThan720pGetsTheFastestPresetOnFewCores() {
        VideoProfile fullHd = VideoProfile.FULL_HD_1080P30;

        assertThat(PresetChoice.forLoad(fullHd, 0.1, 2).x264Preset()).as("1080p on 2 idle cores").isEqualTo("ultrafast");
        assertThat(PresetChoice.forLoad(fullHd, 0.1, 4)).as("1080p on 4 idle cores").isEqualTo(fullHd);
        assertThat(PresetChoice.forLoad(VideoProfile.HD_720P30, 0.1, 2)).as("720p on 2").isEqualTo(VideoProfile.HD_720P30);
    }
}
