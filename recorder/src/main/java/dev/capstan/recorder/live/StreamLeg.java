package dev.capstan.recorder.live;

import dev.capstan.recorder.capture.RateWindow;
import dev.capstan.recorder.process.ChildProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One live destination. Its own small FFmpeg copies the shared encode into FLV over RTMP(S), so it costs almost no
 * CPU, and when the destination drops (a server restart, a network blip) only this process ends: it is started
 * again with growing waits until the destination takes the stream again, or given up after
 * {@link LiveSettings#giveUpAfter()} without being live.
 *
 * <p>The shared stream reaches it through a bounded queue that is filled without waiting, so a destination that
 * cannot keep up loses its own data, never anyone else's; one that takes nothing for
 * {@link LiveSettings#stallTimeout()} is reconnected.
 */
final class StreamLeg implements LiveFeed.Subscriber {

    private static final Logger log = LoggerFactory.getLogger(StreamLeg.class);
    /** About 5 s of a 3 Mb/s stream. */
    private static final int QUEUE_CHUNKS = 1536;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
    /** A connection live this long has proved the destination works: the next drop starts the waits afresh. */
    private static final Duration STABLE = Duration.ofSeconds(10);
    private static final Duration WATCH_INTERVAL = Duration.ofMillis(250);
    private static final Duration FINISH_GRACE = Duration.ofSeconds(5);

    private final String id;
    private final StreamUrl url;
    private final Path ffmpeg;
    private final LiveSettings settings;
    private final Consumer<StreamStats> onChange;
    private final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(QUEUE_CHUNKS);
    private final RateWindow bitrate = new RateWindow(Duration.ofSeconds(3));
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong droppedBytes = new AtomicLong();
    private volatile StreamState state = new StreamState.Connecting(Instant.now(), 1);
    private volatile Connection connection;
    /** Each connection starts at a keyframe; so does one that had to drop data. */
    private volatile boolean awaitingKeyframe = true;
    private volatile int reconnects;
    private volatile String lastError;
    /** Finishing: the recording ended, so send what is queued and close. Removed: stop at once. */
    private volatile boolean finishing;
    private volatile boolean removed;
    private Thread supervisor;

    StreamLeg(String id, StreamUrl url, Path ffmpeg, LiveSettings settings, Consumer<StreamStats> onChange) {
        this.id = id;
        this.url = url;
        this.ffmpeg = ffmpeg;
        this.settings = settings;
        this.onChange = onChange;
    }

    void start() {
        supervisor = new Thread(this::supervise, "live-" + id);
        supervisor.setDaemon(true);
        supervisor.start();
    }

    String id() {
        return id;
    }

    StreamUrl url() {
        return url;
    }

    StreamState state() {
        return state;
    }

    @Override
    public boolean awaitsKeyframe() {
        return awaitingKeyframe;
    }

    /** Takes the next packets of the shared stream; never waits. */
    @Override
    public void accept(byte[] packets) {
        Connection current = connection;
        if (current == null || !current.process.isAlive()) {
            return; // between connections: live viewers cannot get the past anyway
        }
        if (queue.offer(packets)) {
            awaitingKeyframe = false;
        } else {
            droppedBytes.addAndGet(packets.length);
            awaitingKeyframe = true;
        }
    }

    StreamStats stats() {
        StreamState now = state;
        Optional<Instant> next = now instanceof StreamState.Retrying retrying
                ? Optional.of(retrying.nextAttempt()) : Optional.empty();
        boolean live = now instanceof StreamState.Live;
        return new StreamStats(id, url.masked(), now.name(), live,
                live ? Math.round(bitrate.rate().orElse(0) * 8 / 100) / 10.0 : 0, bytesSent.get(), reconnects,
                droppedBytes.get() / 1024, now.since(), next, Optional.ofNullable(lastError));
    }

    /** The recording is over: send what is queued, let FFmpeg close the stream properly, and end. */
    void finish() {
        finishing = true;
        stopSignal.countDown();
    }

    /** Taken off the recording: the connection ends now. */
    void remove() {
        removed = true;
        stopSignal.countDown();
        Connection current = connection;
        if (current != null) {
            current.process.stop(Duration.ofSeconds(2));
        }
    }

    void awaitEnd(Duration timeout) {
        try {
            supervisor.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean ending() {
        return finishing || removed;
    }

    private void supervise() {
        long lastLive = System.nanoTime();
        int attempt = 0;
        while (!ending()) {
            attempt++;
            setState(new StreamState.Connecting(Instant.now(), attempt));
            long liveFor = runConnection();
            if (liveFor > 0) {
                lastLive = System.nanoTime();
                if (liveFor >= STABLE.toNanos()) {
                    attempt = 0;
                }
            }
            if (ending()) {
                break;
            }
            if (System.nanoTime() - lastLive > settings.giveUpAfter().toNanos()) {
                log.warn("stream {} to {}: not live for {}, giving up; last error: {}", id, url,
                        settings.giveUpAfter(), lastError);
                setState(new StreamState.GaveUp(Instant.now(), describe(lastError)));
                return;
            }
            Duration wait = settings.retryDelay(Math.max(1, attempt));
            setState(new StreamState.Retrying(Instant.now(), attempt, Instant.now().plus(wait), describe(lastError)));
            log.info("stream {} to {} dropped ({}); reconnecting in {} ms", id, url, describe(lastError), wait.toMillis());
            try {
                if (stopSignal.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            reconnects++;
        }
        setState(new StreamState.Stopped(Instant.now()));
    }

    private static String describe(String error) {
        return error == null ? "the connection ended" : error;
    }

    /** Runs one connection to its end; returns how long it was live, in nanoseconds (0: never). */
    private long runConnection() {
        queue.clear();
        awaitingKeyframe = true;
        Connection current;
        try {
            current = new Connection(ChildProcess.start(ChildProcess.Spec.of("stream-" + id, command())
                    .withRedaction(url::redact)
                    .onStdout(this::readProgress)
                    .onStderr(this::keepError)));
        } catch (IOException e) {
            lastError = url.redact(e.getMessage());
            return 0;
        }
        connection = current;
        Thread writer = new Thread(() -> write(current), "live-" + id + "-writer");
        writer.setDaemon(true);
        writer.start();
        watch(current);
        // Finishing has waited for FFmpeg to close the stream; otherwise the connection is over (or hung).
        current.process.stop(Duration.ofSeconds(2));
        connection = null;
        try {
            writer.join(FINISH_GRACE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long liveFor = current.liveSince == 0 ? 0 : System.nanoTime() - current.liveSince;
        if (current.liveSince != 0 && !ending()) {
            log.warn("stream {} to {} dropped after {} s live: {}", id, url, TimeUnit.NANOSECONDS.toSeconds(liveFor),
                    describe(lastError));
        }
        return liveFor;
    }

    /** Waits for the connection to end, ending it when it hangs. */
    private void watch(Connection current) {
        while (current.process.isAlive()) {
            if (removed) {
                return;
            }
            if (finishing) {
                // The writer closes the pipe once the queue is empty; FFmpeg then closes the stream and exits.
                try {
                    current.process.exit().get(FINISH_GRACE.toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception e) {
                    log.debug("stream {} did not finish within {}", id, FINISH_GRACE);
                }
                return;
            }
            long now = System.nanoTime();
            if (current.liveSince == 0 && now - current.startedAt > CONNECT_TIMEOUT.toNanos()) {
                lastError = "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s";
                return;
            }
            if (current.liveSince != 0 && now - current.lastGrowth > settings.stallTimeout().toNanos()) {
                lastError = "the destination took no data for " + settings.stallTimeout().toSeconds() + " s";
                return;
            }
            try {
                current.process.exit().get(WATCH_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // still running
            } catch (Exception e) {
                return;
            }
        }
    }

    private void write(Connection current) {
        OutputStream in = current.process.stdin();
        try {
            while (current.process.isAlive()) {
                byte[] chunk = queue.poll(100, TimeUnit.MILLISECONDS);
                if (chunk != null) {
                    in.write(chunk);
                } else if (ending()) {
                    break;
                }
            }
        } catch (IOException e) {
            // FFmpeg went away (the destination dropped): the supervisor sees it exit.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                in.close();
            } catch (IOException e) {
                log.trace("closing stream {} input: {}", id, e.toString());
            }
        }
    }

    private List<String> command() {
        return List.of(ffmpeg.toString(), "-hide_banner", "-loglevel", "error",
                "-progress", "pipe:1", "-stats_period", "1",
                // The stream starts at a keyframe with its tables (see LiveFeed): a second of probing is plenty.
                "-f", "mpegts", "-probesize", "262144", "-analyzeduration", "1000000", "-i", "pipe:0",
                // Copy, never re-encode: the one encode is shared by every output.
                "-map", "0", "-c", "copy",
                // A destination that stops answering fails a write after this long instead of hanging.
                "-rw_timeout", Long.toString(settings.stallTimeout().toNanos() / 1000),
                "-f", "flv", "-flvflags", "no_duration_filesize",
                url.reveal());
    }

    private void readProgress(String line) {
        Connection current = connection;
        int eq = line.indexOf('=');
        if (current == null || eq <= 0 || !line.startsWith("total_size=")) {
            return;
        }
        long size;
        try {
            size = Long.parseLong(line.substring(eq + 1).trim());
        } catch (NumberFormatException e) {
            return;
        }
        long now = System.nanoTime();
        if (size > current.size) {
            bytesSent.addAndGet(size - current.size);
            current.size = size;
            current.lastGrowth = now;
        }
        bitrate.add(now, bytesSent.get());
        // FFmpeg writes the FLV header only once the server accepted the publish: data out means live.
        if (size > 0 && current.liveSince == 0) {
            current.liveSince = now;
            lastError = null;
            setState(new StreamState.Live(Instant.now()));
            log.info("stream {} to {} is live", id, url);
        }
    }

    private void keepError(String line) {
        if (!line.isBlank()) {
            lastError = url.redact(line.strip());
        }
    }

    private void setState(StreamState next) {
        state = next;
        try {
            onChange.accept(stats());
        } catch (RuntimeException e) {
            log.warn("stream {} listener failed", id, e);
        }
    }

    /** One FFmpeg process, from launch to exit. */
    private static final class Connection {
        final ChildProcess process;
        final long startedAt = System.nanoTime();
        volatile long liveSince;
        volatile long lastGrowth = System.nanoTime();
        volatile long size;

        Connection(ChildProcess process) {
            this.process = process;
        }
    }
}
