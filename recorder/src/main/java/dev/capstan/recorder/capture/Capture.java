package dev.capstan.recorder.capture;

import dev.capstan.recorder.process.ChildProcess;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One FFmpeg child process encoding one recording. A native crash or a hung encoder ends this recording only.
 *
 * <p>"First frame" means FFmpeg reported an encoded frame, not that the process was launched: the moment Jibri
 * calls "on", and the one users care about.
 */
public final class Capture {

    private static final Logger log = LoggerFactory.getLogger(Capture.class);
    private static final int KEPT_ERROR_LINES = 20;

    private final ChildProcess ffmpeg;
    private final CompletableFuture<CaptureProgress> firstFrame = new CompletableFuture<>();
    private final CompletableFuture<Ending> ended = new CompletableFuture<>();
    private final Deque<String> lastErrors = new ArrayDeque<>();
    private volatile CaptureProgress latest = new CaptureProgress(0, 0, 0, 0, 0, Duration.ZERO, 0);
    private volatile boolean stopRequested;
    private volatile boolean reachedEnd;

    /**
     * How the capture ended.
     *
     * @param requested  someone asked it to stop
     * @param reachedEnd FFmpeg finished its output normally (stopped, or hit the maximum duration)
     */
    public record Ending(int exitCode, boolean requested, boolean reachedEnd, String lastError, CaptureProgress last) {

        /** True if this was an orderly end rather than a crash or a kill. */
        public boolean orderly() {
            return requested || (reachedEnd && exitCode == 0);
        }
    }

    private Capture(ChildProcess.Spec spec, Path logFile, LongSupplier bytes, Consumer<CaptureProgress> onProgress)
            throws IOException {
        BufferedWriter logWriter = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
        Map<String, String> block = new HashMap<>();
        this.ffmpeg = ChildProcess.start(spec
                .onStdout(line -> readProgress(line, block, bytes, onProgress))
                .onStderr(line -> keepError(line, logWriter)));
        ffmpeg.exit().whenComplete((code, error) -> {
            try {
                ffmpeg.drainOutput(Duration.ofSeconds(2));
                closeQuietly(logWriter);
            } finally {
                // Whatever happened above, stop() and the recording wait on these: they must complete.
                Ending ending = new Ending(code == null ? -1 : code, stopRequested, reachedEnd, lastError(), latest);
                firstFrame.completeExceptionally(new IOException("ffmpeg exited (code " + ending.exitCode()
                        + ") before writing a frame: " + ending.lastError()));
                ended.complete(ending);
            }
        });
    }

    /** Starts FFmpeg; its warnings and errors go to {@code logFile}. */
    public static Capture start(Path binary, CaptureCommand command, Path logFile, LongSupplier bytesWritten,
                                Consumer<CaptureProgress> onProgress) throws IOException {
        ChildProcess.Spec spec = ChildProcess.Spec.of("ffmpeg", command.arguments(binary))
                // If the JVM dies, FFmpeg still closes its last segment cleanly.
                .withDeathSignal("TERM");
        return new Capture(spec, logFile, bytesWritten, onProgress);
    }

    private void readProgress(String line, Map<String, String> block, LongSupplier bytes,
                              Consumer<CaptureProgress> onProgress) {
        int eq = line.indexOf('=');
        if (eq <= 0) {
            return;
        }
        String key = line.substring(0, eq).trim();
        String value = line.substring(eq + 1).trim();
        if (!key.equals("progress")) {
            block.put(key, value);
            return;
        }
        CaptureProgress progress = CaptureProgress.fromBlock(block, bytes.getAsLong());
        block.clear();
        latest = progress;
        if (value.equals("end")) {
            reachedEnd = true;
        }
        if (progress.frames() > 0) {
            firstFrame.complete(progress);
        }
        try {
            onProgress.accept(progress);
        } catch (RuntimeException e) {
            log.warn("progress listener failed", e);
        }
    }

    private void keepError(String line, BufferedWriter logWriter) {
        synchronized (lastErrors) {
            lastErrors.addLast(line);
            if (lastErrors.size() > KEPT_ERROR_LINES) {
                lastErrors.removeFirst();
            }
        }
        try {
            logWriter.write(line);
            logWriter.newLine();
            logWriter.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String lastError() {
        synchronized (lastErrors) {
            return lastErrors.stream()
                    .filter(line -> !line.isBlank())
                    .reduce((first, second) -> second)
                    .orElse("no error output");
        }
    }

    private static void closeQuietly(BufferedWriter writer) {
        try {
            writer.close();
        } catch (IOException e) {
            log.debug("closing capture log failed: {}", e.toString());
        }
    }

    /** Completes with the first progress report that counts an encoded frame. */
    public CompletableFuture<CaptureProgress> firstFrame() {
        return firstFrame;
    }

    /** Completes when FFmpeg has exited, for whatever reason. */
    public CompletableFuture<Ending> ended() {
        return ended;
    }

    public CaptureProgress latest() {
        return latest;
    }

    public long pid() {
        return ffmpeg.pid();
    }

    public Optional<Integer> exitCode() {
        return ffmpeg.exitCode();
    }

    /** Asks FFmpeg to finish (SIGTERM closes the last segment and the playlist), killing it after the grace period. */
    public Ending stop(Duration grace) {
        stopRequested = true;
        ffmpeg.stop(grace);
        return ended.join();
    }
}
