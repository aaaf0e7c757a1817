package dev.capstan.scheduler.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.storage.archive.RecordingId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jibri's finalize script, made harmless: it never blocks its caller and cannot run for ever. */
class FinalizeCommandTest {

    @TempDir
    Path directory;

    @Test
    void aScriptThatHangsIsKilledAtTheTimeoutWithoutBlockingTheCaller() throws Exception {
        Path pidFile = directory.resolve("pid");
        FinalizeCommand command = new FinalizeCommand(
                List.of("/bin/sh", "-c", "echo $$ > " + pidFile + "; exec sleep 60", "finalize"), Duration.ofSeconds(1));
        long start = System.nanoTime();
        CompletableFuture<Integer> exit = command.run(RecordingId.of("hanging"), directory);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("run() returns at once").isLessThan(Duration.ofMillis(500));
        assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(-1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("script killed").isFalse();
    }

    @Test
    void theScriptGetsTheRecordingDirectoryAsItsOnlyArgumentAndItsExitCodeIsReported() throws Exception {
        Path out = directory.resolve("args");
        FinalizeCommand command = new FinalizeCommand(
                List.of("/bin/sh", "-c", "echo \"$#:$1\" > " + out + "; exit 3", "finalize"), Duration.ofSeconds(10));
        assertThat(command.run(RecordingId.of("done"), directory).get(10, TimeUnit.SECONDS)).isEqualTo(3);
        assertThat(Files.readString(out).trim()).isEqualTo("1:" + directory.toAbsolutePath());
    }

    @Test
    void aMissingScriptIsLoggedNotThrown() throws Exception {
        FinalizeCommand command = new FinalizeCommand(List.of("/path/to/finalize"), Duration.ofSeconds(1));
        assertThat(command.run(RecordingId.of("missing"), directory).get(5, TimeUnit.SECONDS)).isEqualTo(-1);
    }
}
