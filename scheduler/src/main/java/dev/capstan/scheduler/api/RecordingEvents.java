package dev.capstan.scheduler.api;

import dev.capstan.scheduler.session.SessionChanged;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The event streams of {@code GET /api/v1/recordings/{id}/events}: a {@code status} event at once, at every change
 * of the recording's session and every {@code capstan.control.event-interval} in between, each carrying what
 * {@code /status} answers; the stream ends after the final state. No thread waits on a client: two shared threads
 * send every event, the number of open streams is capped (503 beyond), and a stream leaves the registry when it
 * completes, times out or fails.
 */
@Component
class RecordingEvents implements DisposableBean {

    static final String EVENT = "status";
    private static final Logger log = LoggerFactory.getLogger(RecordingEvents.class);

    private final RecordingProgress progress;
    private final ControlProperties control;
    private final ScheduledExecutorService senders;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();

    RecordingEvents(List<RecordingProgress> sources, ControlProperties control) {
        this.progress = RecordingProgress.firstOf(sources);
        this.control = control;
        AtomicInteger threads = new AtomicInteger();
        this.senders = Executors.newScheduledThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "recording-events-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        long interval = control.eventInterval().toMillis();
        senders.scheduleWithFixedDelay(this::tick, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** Streams open now. */
    int open() {
        return open.get();
    }

    /**
     * Opens a stream of the recording's status; its first event is sent at once.
     *
     * @throws TooManyEventStreamsException when {@code capstan.control.max-event-streams} are open already
     */
    SseEmitter watch(RecordingId id) {
        if (open.incrementAndGet() > control.maxEventStreams()) {
            open.decrementAndGet();
            throw new TooManyEventStreamsException(control.maxEventStreams());
        }
        SseEmitter emitter = new SseEmitter(control.eventStreamTimeout().toMillis());
        Watch watch = new Watch(id, emitter);
        watches.add(watch);
        emitter.onCompletion(() -> forget(watch));
        emitter.onTimeout(() -> {
            forget(watch);
            emitter.complete();
        });
        emitter.onError(error -> forget(watch));
        send(watch);
        return emitter;
    }

    /** A session changed: its streams hear it now, not at the next tick. Returns at once (see SessionChanged). */
    @EventListener
    void on(SessionChanged changed) {
        RecordingId id = changed.session().recordingId();
        for (Watch watch : watches) {
            if (watch.id().equals(id)) {
                send(watch);
            }
        }
    }

    private void tick() {
        try {
            watches.forEach(this::push);
        } catch (RuntimeException e) {
            // The next tick must come whatever happened to this one.
            log.warn("event streams: a tick failed: {}", e.toString());
        }
    }

    private void send(Watch watch) {
        try {
            senders.execute(() -> push(watch));
        } catch (RejectedExecutionException shuttingDown) {
            forget(watch);
        }
    }

    /** Sends the recording's status now; the last one ends the stream. One send at a time per stream. */
    private void push(Watch watch) {
        synchronized (watch) {
            if (!watches.contains(watch)) {
                return;
            }
            Optional<RecordingProgress.Progress> now = progress.of(watch.id());
            try {
                if (now.isEmpty()) {
                    // Forgotten meanwhile (the ended sessions are bounded): nothing more will come.
                    forget(watch);
                    watch.emitter().complete();
                    return;
                }
                watch.emitter().send(SseEmitter.event().name(EVENT).data(now.get(), MediaType.APPLICATION_JSON));
                if (now.get().settled()) {
                    forget(watch);
                    watch.emitter().complete();
                }
            } catch (IOException | IllegalStateException gone) {
                // The client left, or the stream completed meanwhile: nothing to tell anyone.
                forget(watch);
            }
        }
    }

    private void forget(Watch watch) {
        if (watches.remove(watch)) {
            open.decrementAndGet();
        }
    }

    @Override
    public void destroy() {
        senders.shutdownNow();
        for (Watch watch : watches) {
            forget(watch);
            watch.emitter().complete();
        }
    }

    /** One open stream. Two streams of one recording are two watches: an emitter equals only itself. */
    private record Watch(RecordingId id, SseEmitter emitter) {
    }
}
