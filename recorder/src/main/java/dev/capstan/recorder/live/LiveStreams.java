package dev.capstan.recorder.live;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live destinations of one recording, fed by its one encode. Destinations come and go while it runs; each
 * keeps itself connected on its own (see {@link StreamLeg}).
 */
public final class LiveStreams implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LiveStreams.class);
    private static final Duration FINISH_TIMEOUT = Duration.ofSeconds(8);

    private final String name;
    private final LiveFeed feed;
    private final Path ffmpeg;
    private final LiveSettings settings;
    private final Consumer<StreamStats> onChange;
    private final Map<String, StreamLeg> legs = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(1);
    private volatile boolean closed;

    private LiveStreams(String name, LiveFeed feed, Path ffmpeg, LiveSettings settings, Consumer<StreamStats> onChange) {
        this.name = name;
        this.feed = feed;
        this.ffmpeg = ffmpeg;
        this.settings = settings;
        this.onChange = onChange;
    }

    /**
     * Opens the feed the encoder will write to.
     *
     * @param onChange hears every destination's state changes (connected, dropped, given up, stopped)
     */
    public static LiveStreams open(String name, Path ffmpeg, LiveSettings settings, Consumer<StreamStats> onChange)
            throws IOException {
        return new LiveStreams(name, LiveFeed.open(name), ffmpeg, settings, onChange);
    }

    /** Where the encoder sends its MPEG-TS copy of the recording. */
    public String encoderUrl() {
        return feed.encoderUrl();
    }

    /**
     * Starts streaming to one more destination.
     *
     * @throws IllegalStateException when the recording has ended or already feeds as many destinations as allowed
     */
    public synchronized StreamStats add(StreamUrl url) {
        if (closed) {
            throw new IllegalStateException("the recording has ended");
        }
        long active = legs.values().stream().filter(leg -> !(leg.state() instanceof StreamState.GaveUp)).count();
        if (active >= settings.maxDestinations()) {
            throw new IllegalStateException("a recording streams to at most " + settings.maxDestinations()
                    + " destinations");
        }
        if (legs.values().stream().anyMatch(leg -> leg.url().equals(url) && !(leg.state() instanceof StreamState.GaveUp))) {
            throw new IllegalStateException(url.masked() + " is already a destination of this recording");
        }
        StreamLeg leg = new StreamLeg("s" + nextId.getAndIncrement(), url, ffmpeg, settings, onChange);
        legs.put(leg.id(), leg);
        feed.subscribe(leg);
        leg.start();
        log.info("recording {}: streaming to {} as {}", name, url, leg.id());
        return leg.stats();
    }

    /** Stops streaming to one destination; false if there is no such destination. */
    public boolean remove(String id) {
        StreamLeg leg = legs.remove(id);
        if (leg == null) {
            return false;
        }
        feed.unsubscribe(leg);
        leg.remove();
        log.info("recording {}: stopped streaming to {} ({})", name, leg.url(), id);
        return true;
    }

    public List<StreamStats> stats() {
        List<StreamStats> all = new ArrayList<>();
        legs.values().stream().sorted((a, b) -> Integer.compare(number(a.id()), number(b.id())))
                .forEach(leg -> all.add(leg.stats()));
        return all;
    }

    public Optional<StreamStats> stats(String id) {
        return Optional.ofNullable(legs.get(id)).map(StreamLeg::stats);
    }

    /** True once there were destinations and every one of them was given up. */
    public boolean allGaveUp() {
        return !legs.isEmpty() && legs.values().stream().allMatch(leg -> leg.state() instanceof StreamState.GaveUp);
    }

    private static int number(String id) {
        return Integer.parseInt(id.substring(1));
    }

    /**
     * The encode has ended: every destination sends what it has, closes its stream properly and ends. Call after
     * the encoder has stopped.
     */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        legs.values().forEach(StreamLeg::finish);
        long deadline = System.nanoTime() + FINISH_TIMEOUT.toNanos();
        for (StreamLeg leg : legs.values()) {
            leg.awaitEnd(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
        }
        legs.values().forEach(StreamLeg::remove);
        feed.close();
    }
}
