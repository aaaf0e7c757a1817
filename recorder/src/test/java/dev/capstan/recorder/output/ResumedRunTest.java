package dev.capstan.recorder.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.within;

import dev.capstan.recorder.capture.FfmpegBinary;
import dev.capstan.recorder.capture.VideoProfile;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.storage.media.FragmentedMp4;
import dev.capstan.storage.spool.SegmentLayout;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recording continued by a second encoder, as after a pause: the resumed segments follow the first ones on one
 * timeline, and every way of making the final file (FFmpeg's assembly, the archive's composition) plays both runs
 * back to back, without a gap or an overlap.
 */
class ResumedRunTest {

    @TempDir
    Path temp;

    @Test
    void resumedSegmentsContinueTheTimelineOfTheFirstRun() throws Exception {
        SegmentedRecording recording = SyntheticRecording.make(temp.resolve("rec"), 5);
        Duration firstRun = recording.mediaEnd();
        int firstNumbers = recording.completedSegments().size();
        assertThat(firstRun.toMillis() / 1000.0).isCloseTo(5.0, offset(0.1));

        ResumedRun run = SyntheticRecording.resume(recording, 1, VideoProfile.HD_720P30, 4);

        assertThat(run.failure()).isEmpty();
        assertThat(run.offset()).isEqualTo(firstRun);
        assertThat(run.firstSegment()).isEqualTo(firstNumbers);
        List<Path> segments = recording.completedSegments();
        assertThat(segments).extracting(SegmentLayout::number).as("numbered on, without a hole")
                .containsExactlyElementsOf(IntStream.range(0, segments.size()).boxed().toList());
        assertThat(FragmentedMp4.startTime(recording.initSegment(), segments.get(firstNumbers)).toMillis())
                .as("the first resumed segment starts where the first run ended, ms").isCloseTo(firstRun.toMillis(),
                        within(40L));
        assertThat(recording.mediaEnd().toMillis() / 1000.0).as("both runs").isCloseTo(9.0, offset(0.1));
        assertThat(run.stagingDirectory()).as("staging is cleared").doesNotExist();

        MediaReport assembled = MediaReport.of(recording.assemble(FfmpegBinary.bundled(), "joined"));
        assertThat(assembled.duration()).isCloseTo(9.0, offset(0.15));
        assertThat(assembled.longestFrameGap()).as("no gap where the runs meet").isLessThan(0.1);
        assertThat(assembled.averageFps()).isCloseTo(30.0, offset(1.0));

        Path composed = temp.resolve("composed.mp4");
        try (OutputStream out = Files.newOutputStream(composed)) {
            FragmentedMp4.compose(recording.initSegment(), segments, out);
        }
        MediaReport archived = MediaReport.of(composed);
        assertThat(archived.duration()).as("the archive's file").isCloseTo(9.0, offset(0.15));
        assertThat(archived.longestFrameGap()).isLessThan(0.1);
    }

    @Test
    void segmentsOfOtherStreamsAreRefusedAndKept() throws Exception {
        SegmentedRecording recording = SyntheticRecording.make(temp.resolve("rec"), 3);
        List<Path> before = recording.completedSegments();

        ResumedRun run = SyntheticRecording.resume(recording, 1, VideoProfile.SD_540P30, 2);

        assertThat(run.failure()).hasValueSatisfying(why -> assertThat(why).contains("other streams"));
        assertThat(recording.completedSegments()).as("the recording is untouched").isEqualTo(before);
        assertThat(run.stagingDirectory()).as("what the resumed encoder wrote is kept").isDirectory();
    }
}
