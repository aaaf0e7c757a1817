package dev.capstan.recorder.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.process.ChildProcess;
import dev.capstan.recorder.slot.CaptureSpan;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stop lets a real FFmpeg finish, however long its backlog takes while it makes progress, and kills only one
 * that makes none: the ending says which happened.
 */
class CaptureStopTest {

    private static final Duration STALL = Duration.ofSeconds(2);

    @TempDir
    Path temp;

    /** A live-paced synthetic encode that reports progress like a capture, through {@code filter}. */
    private Capture encode(String filter) throws Exception {
        List<String> command = new ArrayList<>(List.of(FfmpegBinary.bundled().toString(), "-hide_banner", "-nostdin",
                "-loglevel", "warning", "-progress", "pipe:1", "-stats_period", "0.1",
                "-re", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=30", "-vf", filter,
                "-c:v", "libx264", "-preset", "ultrafast", "-f", "null", "-"));
        Capture capture = Capture.start(ChildProcess.Spec.of("ffmpeg", command), 30, temp.resolve("capture.log"),
                progress -> { });
        capture.firstFrame().get(30, TimeUnit.SECONDS);
        Thread.sleep(1500);
        return capture;
    }

    private record Stopped(Capture.Ending ending, Duration took) {

        static Stopped of(Capture capture, Duration stall) {
            long asked = System.nanoTime();
            Capture.Ending ending = capture.stop(stall);
            return new Stopped(ending, Duration.ofNanos(System.nanoTime() - asked));
        }

        CaptureSpan.EncoderEnd encoderEnd() {
            return CaptureSpan.EncoderEnd.of(ending);
        }
    }

    @Test
    @Timeout(30)
    void anEncoderThatAnswersTheStopDrains() throws Exception {
        Stopped stopped = Stopped.of(encode("null"), STALL);

        Capture.Ending ending = stopped.ending();
        assertThat(stopped.encoderEnd()).isEqualTo(CaptureSpan.EncoderEnd.DRAINED);
        assertThat(ending.killed()).as("killed").isFalse();
        assertThat(ending.reachedEnd()).as("FFmpeg reported its end").isTrue();
        assertThat(ending.requested()).isTrue();
        assertThat(ending.exitCode()).as("FFmpeg's exit after an obeyed SIGTERM").isEqualTo(255);
        assertThat(stopped.took()).as("time to drain").isLessThan(STALL);
        assertThat(ending.last().frames()).isPositive();
    }

    @Test
    @Timeout(30)
    void anEncoderDrainingABacklogForLongerThanTheStallLimitIsNotKilled() throws Exception {
        // A quarter of real time: frames queue up before the stop, and after it FFmpeg works through them (at 720p,
        // so that each frame costs some CPU time: FFmpeg prints no progress while it drains).
        Capture capture = encode("scale=1280:720,realtime=speed=0.25");
        Thread.sleep(1500);
        long framesAtStop = capture.latest().frames();
        Duration stall = Duration.ofSeconds(1);

        Stopped stopped = Stopped.of(capture, stall);

        assertThat(stopped.took()).as("the drain outlasts the stall limit").isGreaterThan(stall.multipliedBy(3).dividedBy(2));
        assertThat(stopped.encoderEnd()).as("it made progress all along").isEqualTo(CaptureSpan.EncoderEnd.DRAINED);
        assertThat(stopped.ending().last().frames()).as("frames encoded after the stop")
                .isGreaterThan(framesAtStop + 10);
    }

    @Test
    @Timeout(30)
    void anEncoderThatMakesNoProgressAfterTheStopIsKilled() throws Exception {
        Capture capture = encode("null");
        // Frozen: it can neither encode nor answer the SIGTERM.
        assertThat(new ProcessBuilder("kill", "-STOP", Long.toString(capture.pid())).start().waitFor()).isZero();

        Stopped stopped = Stopped.of(capture, STALL);

        Capture.Ending ending = stopped.ending();
        assertThat(stopped.encoderEnd()).isEqualTo(CaptureSpan.EncoderEnd.KILLED_AT_STOP);
        assertThat(ending.killed()).as("killed").isTrue();
        assertThat(ending.reachedEnd()).as("FFmpeg never reported its end").isFalse();
        assertThat(ending.exitCode()).as("SIGKILL").isEqualTo(137);
        assertThat(stopped.took()).as("killed once it made no progress for the stall limit, not before")
                .isGreaterThanOrEqualTo(STALL).isLessThan(STALL.plusSeconds(2));
    }
}
