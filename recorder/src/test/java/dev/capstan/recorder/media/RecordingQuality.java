package dev.capstan.recorder.media;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.demo.DemoMeeting;
import java.nio.file.Path;

/** The bars every recording of the demo meeting must clear, as a viewer would judge it. */
public final class RecordingQuality {

    private RecordingQuality() {
    }

    /**
     * Decodes the file and asserts it is a smooth, in-sync 720p30 recording of the demo meeting, about this long:
     * at least 90% of its frames delivered and no freeze, on a busy host too.
     */
    public static MediaReport assertRecordedWell(Path file, double seconds) throws Exception {
        MediaReport report = MediaReport.of(file);
        System.out.println(file.getFileName() + ": " + report);
        assertThat(report.duration()).as("%s duration", file.getFileName()).isBetween(seconds - 0.5, seconds + 0.5);
        assertThat(report.width()).isEqualTo(1280);
        assertThat(report.height()).isEqualTo(720);
        // Every frame is a grab of its own, at the time it was taken (no invented copies): a capture that cannot
        // keep up shows as fewer frames and longer gaps between them, which these two bound.
        assertThat(report.averageFps()).as("%s average fps", file.getFileName()).isGreaterThanOrEqualTo(27);
        assertThat(report.longestFrameGap()).as("%s longest time between two frames, s", file.getFileName())
                .isLessThanOrEqualTo(0.5);
        // A repeated frame is then a screen that had not changed since the last grab: the page did not repaint.
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
