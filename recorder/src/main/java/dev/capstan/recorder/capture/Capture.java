package dev.capstan.recorder.capture;

import dev.capstan.recorder.process.ChildProcess;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One FFmpeg child process encoding one recording. A native crash or a hung encoder ends this recording only.
 *
 * <p>"First frame" means FFmpeg reported an encoded frame, not that the process was launched: the moment Jibri
 * calls "on", and the one users care about. An audio-only capture has no frames: it is on once FFmpeg reports
 * sound written (media time above zero), and its progress is media time and bytes, at 0 fps.
 *
 * <p>A stop drains: FFmpeg is asked once (SIGTERM) to finish what it captured, and is killed only if it then makes
 * no progress for a while. Its backlog is small (see {@link CaptureCommand}), so draining takes about a second.
 */
public final class Capture {

    private static final Logger log = LoggerFactory.getLogger(Capture.class);
    private static final int KEPT_ERROR_LINES = 20;
    /** Encoding speed over this much wall time decides whether the encoder keeps up. */
    private static final Duration SPEED_WINDOW = Duration.ofSeconds(5);
    /** Below this windowed speed the encoder is falling behind and frames are being dropped at the source. */
    private static final double BEHIND = 0.9;

    private final ChildProcess ffmpeg;
    private final CompletableFuture<CaptureProgress> firstFrame = new CompletableFuture<>();
    private final CompletableFuture<Ending> ended = new CompletableFuture<>();
    private final Deque<String> lastErrors = new ArrayDeque<>();
    private final RateWindow delivery = new RateWindow(CaptureProgress.DELIVERY_WINDOW);
    private final RateWindow encoding = new RateWindow(SPEED_WINDOW);
    private final long startedNanos = System.nanoTime();
    private final int frameRate;
    /** Whether frames count: an audio-only capture is on with its first media instead. */
    private final boolean video;
    private volatile CaptureProgress latest = CaptureProgress.NONE;
    private volatile Instant firstFrameAt;
    /** When FFmpeg last showed it was getting on: more frames, more media, or its end. */
    private volatile long lastAdvanceNanos = System.nanoTime();
    private volatile Instant finishedAt;
    private volatile boolean stopRequested;
    private volatile boolean killed;
    private volatile boolean reachedEnd;
    private boolean behind;

    /**
     * How the capture ended.
     *
     * @param requested  someone asked it to stop
     * @param reachedEnd FFmpeg finished its output normally (stopped, or hit the maximum duration)
     * @param killed     it was asked to stop, made no progress while draining and was killed: its last media is lost
     * @param at         when it stopped capturing: the stop request, or when it ended by itself
     */
    public record Ending(int exitCode, boolean requested, boolean reachedEnd, boolean killed, Instant at,
            String lastError, CaptureProgress last) {

        /** True if this was an orderly end rather than a crash or a kill. */
        public boolean orderly() {
            return requested || (reachedEnd && exitCode == 0);
        }
    }

    private Capture(ChildProcess.Spec spec, int frameRate, boolean video, Path logFile, LongSupplier bytes,
                    Consumer<CaptureProgress> onProgress) throws IOException {
        this.frameRate = frameRate;
        this.video = video;
        BufferedWriter logWriter = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8);
        Map<String, String> block = new HashMap<>();
        this.ffmpeg = ChildProcess.start(spec
                .onStdout(line -> readProgress(line, block, bytes, onProgress))
                .onStderr(line -> keepError(line, logWriter)));
        ffmpeg.exit().whenComplete((code, error) -> {
            Instant exitedAt = Instant.now();
            try {
                ffmpeg.drainOutput(Duration.ofSeconds(2));
                closeQuietly(logWriter);
            } finally {
                // Whatever happened above, stop() and the recording wait on these: they must complete.
                Instant at = finishedAt != null ? finishedAt : exitedAt;
                Ending ending = new Ending(code == null ? -1 : code, stopRequested, reachedEnd, killed, at,
                        lastError(), latest);
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
        return new Capture(spec, command.profile().frameRate(), command.media().hasVideo(), logFile, bytesWritten,
                onProgress);
    }

    /** Runs any FFmpeg command line that reports {@code -progress} on stdout (tests feed a synthetic source). */
    static Capture start(ChildProcess.Spec spec, int frameRate, Path logFile, Consumer<CaptureProgress> onProgress)
            throws IOException {
        return new Capture(spec, frameRate, true, logFile, () -> 0, onProgress);
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
        long now = System.nanoTime();
        CaptureProgress previous = latest;
        CaptureProgress report = CaptureProgress.fromBlock(block, bytes.getAsLong()).notBehind(previous);
        block.clear();
        if (report.frames() > previous.frames() || report.recorded().compareTo(previous.recorded()) > 0
                || value.equals("end")) {
            lastAdvanceNanos = now;
        }
        delivery.add(report.recorded().toNanos(), report.frames());
        // FFmpeg's media time runs a little unevenly (sound and picture are muxed in turns): a rate above the
        // nominal one is that jitter, not frames (the encoder's time base holds at most one frame per period).
        CaptureProgress progress = report.withDeliveredFps(
                Math.min(frameRate, delivery.rate().orElse(report.averageFps())));
        latest = progress;
        if (value.equals("end")) {
            reachedEnd = true;
            if (!stopRequested) {
                finishedAt = Instant.now();
            }
        }
        if (video ? progress.frames() > 0 : !progress.recorded().isZero()) {
            // Media is stamped with the wall clock, so each report dates the first grab: its time less the media
            // written. Every report comes some time after its media; the least late one dates the grab best.
            Instant grabbed = Instant.now().minus(progress.recorded());
            if (firstFrameAt == null || grabbed.isBefore(firstFrameAt)) {
                firstFrameAt = grabbed;
            }
            firstFrame.complete(progress);
            watchSpeed(now, progress);
        }
        try {
            onProgress.accept(progress);
        } catch (RuntimeException e) {
            log.warn("progress listener failed", e);
        }
    }

    /** Says (once per episode) when the encoder falls behind real time, and when it caught up again. */
    private void watchSpeed(long now, CaptureProgress progress) {
        encoding.add(now - startedNanos, progress.recorded().toNanos() / 1e9);
        if (stopRequested || encoding.rate().isEmpty()) {
            return;
        }
        double speed = encoding.rate().getAsDouble();
        if (!behind && speed < BEHIND) {
            behind = true;
            log.warn("ffmpeg (pid {}) falls behind: {}x real time over the last {} s, {} fps delivered", ffmpeg.pid(),
                    round(speed), SPEED_WINDOW.toSeconds(), round(progress.deliveredFps()));
        } else if (behind && speed >= 0.98) {
            behind = false;
            log.info("ffmpeg (pid {}) keeps up again: {} fps delivered", ffmpeg.pid(), round(progress.deliveredFps()));
        }
    }

    private static String round(double value) {
        return String.format(java.util.Locale.ROOT, "%.2f", value);
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

    /**
     * When the first frame was grabbed, as near as FFmpeg's reports tell (the estimate improves while it runs: the
     * least delayed report so far); empty before the first frame.
     */
    public Optional<Instant> firstFrameAt() {
        return Optional.ofNullable(firstFrameAt);
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

    /**
     * Asks FFmpeg to finish what it captured (one SIGTERM: it stops grabbing, encodes its backlog, closes the last
     * segment and the playlist) and waits as long as it makes progress. Only an encoder that makes none for
     * {@code stall} is killed, and the ending says so. FFmpeg 8 prints no progress report between a SIGTERM and its
     * last one, so while it drains, progress is the CPU time it keeps using (a frozen process uses none).
     */
    public Ending stop(Duration stall) {
        Instant askedAt = Instant.now();
        if (!stopRequested) {
            stopRequested = true;
            if (finishedAt == null) {
                finishedAt = askedAt;
            }
            lastAdvanceNanos = System.nanoTime();
            ffmpeg.terminate();
        }
        long cpu = ffmpeg.cpuTicks();
        while (true) {
            try {
                return ended.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                long used = ffmpeg.cpuTicks();
                if (used > cpu) {
                    cpu = used;
                    lastAdvanceNanos = System.nanoTime();
                }
                long idle = System.nanoTime() - lastAdvanceNanos;
                if (idle > stall.toNanos() && ffmpeg.isAlive()) {
                    killed = true;
                    log.warn("ffmpeg (pid {}) made no progress for {} ms while draining after a stop; killing it",
                            ffmpeg.pid(), TimeUnit.NANOSECONDS.toMillis(idle));
                    ffmpeg.kill();
                    return ended.join();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                killed = true;
                ffmpeg.kill();
                return ended.join();
            } catch (ExecutionException e) {
                throw new IllegalStateException("the capture's ending cannot fail", e);
            }
        }
    }
}
