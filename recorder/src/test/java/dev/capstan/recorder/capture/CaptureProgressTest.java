package dev.capstan.recorder.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FFmpeg's {@code -progress} output, as the bundled FFmpeg 8 prints it, becomes the figures a listener sees. */
class CaptureProgressTest {

    /** Captured from the bundled ffmpeg: one block before the first frame, then two during the encode. */
    private static final String OUTPUT = """
            frame=0
            fps=0.00
            stream_0_0_q=0.0
            bitrate=N/A
            total_size=48
            out_time_us=N/A
            out_time_ms=N/A
            out_time=N/A
            dup_frames=0
            drop_frames=0
            speed=N/A
            progress=continue
            frame=7
            fps=0.00
            stream_0_0_q=29.0
            bitrate=   2.3kbits/s
            total_size=48
            out_time_us=166667
            out_time_ms=166667
            out_time=00:00:00.166667
            dup_frames=0
            drop_frames=0
            speed=0.222x
            progress=continue
            frame=306
            fps=30.02
            stream_0_0_q=29.0
            bitrate= 811.4kbits/s
            total_size=1037312
            out_time_us=10226667
            out_time_ms=10226667
            out_time=00:00:10.226667
            dup_frames=3
            drop_frames=1
            speed=1.02x
            progress=continue
            """;

    /** Splits the output into blocks the way {@code Capture} does: key=value lines up to a progress= line. */
    private static List<Map<String, String>> blocks(String output) {
        List<Map<String, String>> blocks = new ArrayList<>();
        Map<String, String> block = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            String key = line.substring(0, eq).trim();
            if (key.equals("progress")) {
                blocks.add(block);
                block = new LinkedHashMap<>();
            } else {
                block.put(key, line.substring(eq + 1).trim());
            }
        }
        return blocks;
    }

    @Test
    void notAvailableValuesCountAsZero() {
        CaptureProgress starting = CaptureProgress.fromBlock(blocks(OUTPUT).get(0), 48);

        assertThat(starting.frames()).isZero();
        assertThat(starting.fps()).isZero();
        assertThat(starting.speed()).as("speed=N/A").isZero();
        assertThat(starting.recorded()).as("out_time_us=N/A").isEqualTo(Duration.ZERO);
        assertThat(starting.bytes()).isEqualTo(48);
    }

    @Test
    void runningFiguresAreRead() {
        List<Map<String, String>> blocks = blocks(OUTPUT);
        CaptureProgress early = CaptureProgress.fromBlock(blocks.get(1), 0);
        CaptureProgress running = CaptureProgress.fromBlock(blocks.get(2), 2_000_000);

        assertThat(early.frames()).isEqualTo(7);
        assertThat(early.speed()).isCloseTo(0.222, within(1e-9));
        assertThat(early.recorded()).isEqualTo(Duration.ofNanos(166_667_000));

        assertThat(running.frames()).isEqualTo(306);
        assertThat(running.fps()).isCloseTo(30.02, within(1e-9));
        assertThat(running.speed()).as("speed=1.02x").isCloseTo(1.02, within(1e-9));
        assertThat(running.duplicatedFrames()).isEqualTo(3);
        assertThat(running.droppedFrames()).isEqualTo(1);
        assertThat(running.recorded()).isEqualTo(Duration.ofNanos(10_226_667_000L));
        assertThat(running.bytes()).as("bytes on disk come from the caller, not total_size").isEqualTo(2_000_000);
    }

    @Test
    void missingOrMalformedValuesCountAsZero() {
        CaptureProgress odd = CaptureProgress.fromBlock(Map.of("frame", "12", "fps", "garbage", "drop_frames", ""), 0);

        assertThat(odd.frames()).isEqualTo(12);
        assertThat(odd.fps()).as("fps=garbage").isZero();
        assertThat(odd.droppedFrames()).as("empty drop_frames").isZero();
        assertThat(odd.speed()).as("no speed line").isZero();
        assertThat(odd.recorded()).as("no out_time_us line").isEqualTo(Duration.ZERO);

        assertThat(CaptureProgress.fromBlock(Map.of(), 0)).isEqualTo(new CaptureProgress(0, 0, 0, 0, 0, Duration.ZERO, 0));
    }

    @Test
    void negativeOutTimeIsClampedToZero() {
        // FFmpeg can report a slightly negative out time at the very start of an encode.
        CaptureProgress progress = CaptureProgress.fromBlock(Map.of("frame", "1", "out_time_us", "-80000"), 0);
        assertThat(progress.recorded()).isEqualTo(Duration.ZERO);
    }

    @Test
    void aMissingMediaTimeDoesNotTurnTheClockBack() {
        CaptureProgress earlier = CaptureProgress.fromBlock(Map.of("frame", "300", "out_time_us", "10000000"), 0);
        CaptureProgress shuttingDown = CaptureProgress.fromBlock(Map.of("frame", "301", "out_time_us", "N/A"), 0);

        CaptureProgress kept = shuttingDown.notBehind(earlier);
        assertThat(kept.recorded()).isEqualTo(Duration.ofSeconds(10));
        assertThat(kept.frames()).isEqualTo(301);
        assertThat(kept.averageFps()).isCloseTo(30.1, within(0.01));
        assertThat(earlier.notBehind(CaptureProgress.NONE)).isSameAs(earlier);
    }

    @Test
    void withoutAWindowTheDeliveredRateIsTheAverage() {
        CaptureProgress progress = new CaptureProgress(150, 29, 1, 0, 3, Duration.ofSeconds(6), 0);

        assertThat(progress.averageFps()).isEqualTo(25);
        assertThat(progress.deliveredFps()).isEqualTo(25);
        assertThat(CaptureProgress.NONE.averageFps()).as("nothing recorded yet").isZero();
    }
}
