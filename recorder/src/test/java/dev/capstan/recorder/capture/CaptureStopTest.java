package dev.capstan.recorder.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.process.ChildProcess;
import dev.capstan.recorder.slot.CaptureSpan;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A stop lets a real FFmpeg finish, and kills only one that makes no progress: the ending says which happened. */
class CaptureStopTest {

    private static final Duration STALL = Duration.ofSeconds(2);

    @TempDir
    Path temp;

    /** A live-paced synthetic encode that reports progress like a capture. */
    private Capture encode() throws Exception {
        List<String> command = List.of(FfmpegBinary.bundled().toString(), "-hide_banner", "-nostdin",
                "-loglevel", "warning", "-progress", "pipe:1", "-stats_period", "0.1",
                "-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30",
                "-c:v", "libx264", "-preset", "ultrafast", "-f", "null", "-");
        Capture capture = Capture.start(ChildProcess.Spec.of("ffmpeg", command), temp.resolve("capture.log"),
                progress -> { });
        capture.firstFrame().get(30, TimeUnit.SECONDS);
        Thread.sleep(500);
        return capture;
    }

    @Test
    @Timeout(30)
    void anEncoderThatAnswersTheStopDrains() throws Exception {
        Capture capture = encode();

        long asked = System.nanoTime();
        Capture.Ending ending = capture.stop(STALL);
        Duration took = Duration.ofNanos(System.nanoTime() - asked);

        assertThat(CaptureSpan.EncoderEnd.of(ending)).isEqualTo(CaptureSpan.EncoderEnd.DRAINED);
        assertThat(ending.killed()).as("killed").isFalse();
        assertThat(ending.reachedEnd()).as("FFmpeg reported its end").isTrue();
        assertThat(ending.requested()).isTrue();
        assertThat(ending.exitCode()).as("FFmpeg's exit after an obeyed SIGTERM").isEqualTo(255);
        assertThat(took).as("time to drain").isLessThan(STALL);
        assertThat(ending.last().frames()).isPositive();
    }

    @Test
    @Timeout(30)
    void anEncoderThatMakesNoProgressAfterTheStopIsKilled() throws Exception {
        Capture capture = encode();
        // Frozen: it can neither encode nor answer the SIGTERM.
        assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(capture.pid())).start().waitFor()).isZero();

        long asked = System.nanoTime();
        Capture.Ending ending = capture.stop(STALL);
        Duration took = Duration.ofNanos(System.nanoTime() - asked);

        assertThat(CaptureSpan.EncoderEnd.of(ending)).isEqualTo(CaptureSpan.EncoderEnd.KILLED_AT_STOP);
        assertThat(ending.killed()).as("killed").isTrue();
        assertThat(ending.reachedEnd()).as("FFmpeg never reported its end").isFalse();
        assertThat(ending.exitCode()).as("SIGKILL").isEqualTo(137);
        assertThat(took).as("killed once it made no progress for the stall limit, not before")
                .isGreaterThanOrEqualTo(STALL).isLessThan(STALL.plusSeconds(2));
    }
}
