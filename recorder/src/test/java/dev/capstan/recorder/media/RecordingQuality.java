package dev.capstan.recorder.media;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.demo.DemoMeeting;
import java.nio.file.Path;

/** The bars every recording of the demo meeting must clear, as a viewer would judge it. */
public final class RecordingQuality {

    private RecordingQuality() {
    }

    /** Decodes the file and asserts it is a smooth, in-sync 720p30 recording of the demo meeting, about this long. */
    public static MediaReport assertRecordedWell(Path file, double seconds) throws Exception {
        MediaReport report = MediaReport.of(file);
        System.out.println(file.getFileName() + ": " + report);
        assertThat(report.duration()).as("%s duration", file.getFileName()).isBetween(seconds - 0.5, seconds + 0.5);
        assertThat(report.width()).isEqualTo(1280);
        assertThat(report.height()).isEqualTo(720);
        assertThat(report.averageFps()).as("%s average fps", file.getFileName()).isGreaterThanOrEqualTo(29);
        assertThat(report.repeatedFrameShare()).as("%s share of repeated frames", file.getFileName()).isLessThan(0.05);
        assertThat(report.hasPicture()).as("%s picture is not black or flat", file.getFileName()).isTrue();
        for (int tone : DemoMeeting.TILE_TONES_HZ) {
            assertThat(report.toneLevelDb(tone)).as("%s tile tone %d Hz above the noise floor", file.getFileName(), tone)
                    .isGreaterThan(20);
        }
        assertThat(report.avOffsetMillis()).as("%s A/V offset", file.getFileName()).isPresent();
        assertThat(report.avOffsetMillis().getAsDouble()).as("%s A/V offset, ms", file.getFileName())
                .isBetween(-100.0, 100.0);
        return report;
    }
}
