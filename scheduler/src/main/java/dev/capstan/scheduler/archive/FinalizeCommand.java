package dev.capstan.scheduler.archive;

import dev.capstan.recorder.process.ChildProcess;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jibri's finalize script, done so that it can never hold up a recorder: it runs after the recording is ready
 * (its slot long since free), off the recording's threads, with the recording's directory as its only argument,
 * and is killed after a timeout. Its output goes to the log; its exit code is logged (as Jibri does) but changes
 * nothing.
 */
final class FinalizeCommand {

    private static final Logger log = LoggerFactory.getLogger(FinalizeCommand.class);

    private final List<String> command;
    private final Duration timeout;

    FinalizeCommand(List<String> command, Duration timeout) {
        this.command = List.copyOf(command);
        this.timeout = timeout;
    }

    boolean configured() {
        return !command.isEmpty();
    }

    /** Completes with the exit code, or -1 if the command could not start or was killed at the timeout. */
    CompletableFuture<Integer> run(RecordingId id, Path directory) {
        if (!configured()) {
            return CompletableFuture.completedFuture(0);
        }
        List<String> args = new ArrayList<>(command);
        args.add(directory.toAbsolutePath().toString());
        ChildProcess process;
        try {
            process = ChildProcess.start(ChildProcess.Spec.of("finalize-" + id, args)
                    .onStdout(line -> log.info("finalize {}: {}", id, line))
                    .onStderr(line -> log.warn("finalize {}: {}", id, line)));
        } catch (IOException e) {
            log.error("recording {}: the finalize command {} could not start: {}", id, command.get(0), e.getMessage());
            return CompletableFuture.completedFuture(-1);
        }
        log.info("recording {}: finalize command started on {}", id, directory);
        return process.exit()
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((code, error) -> {
                    if (error != null) {
                        log.warn("recording {}: the finalize command ran over {} s and was stopped", id,
                                timeout.toSeconds());
                        process.stop(Duration.ofSeconds(5));
                        return -1;
                    }
                    process.drainOutput(Duration.ofSeconds(2));
                    log.info("recording {}: finalize command exited with {}", id, code);
                    return code;
                });
    }
}
