package dev.capstan.scheduler.events.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.session.SessionChanged;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells subscribers about recordings: each {@link SessionChanged} that makes a {@link WebhookEvent} becomes one signed
 * POST per interested subscriber, logged in the {@link DeliveryLog} and retried with exponential backoff until the
 * receiver answers 2xx or {@code max-attempts} have failed.
 *
 * <p><b>Isolation.</b> Each subscriber has its own outbox, and sends never block a thread (the HTTP client is
 * asynchronous): a receiver that is down, slow or hangs delays only its own events. A healthy receiver gets each
 * event at once.
 *
 * <p><b>Order.</b> Per subscriber, the events of one recording go out one at a time and in order: while one is being
 * retried, the later events of that recording wait for it (until it is delivered or given up). Events of different
 * recordings do not wait for one another, up to {@value #PARALLEL} recordings at once per subscriber.
 *
 * <p><b>Bounds.</b> At most {@code queue-size} events wait in memory per subscriber; beyond that the oldest waiting
 * one is dropped (logged, counted, and given up in the delivery log).
 *
 * <p><b>Restarts.</b> Pending entries of the delivery log are queued again at start, with their body, attempts and
 * next attempt: delivery is at least once, and receivers dedupe by the body's {@code id}.
 *
 * <p>All outbox state lives on one thread ({@code webhooks}); the session's mover only hands the event over.
 */
public final class Webhooks implements AutoCloseable {

    /** Recordings whose events one subscriber may have under way at the same time. */
    static final int PARALLEL = 4;
    private static final Duration PURGE_INTERVAL = Duration.ofHours(1);
    private static final Logger log = LoggerFactory.getLogger(Webhooks.class);

    private final WebhookProperties settings;
    private final DeliveryLog deliveries;
    private final ObjectMapper json;
    private final Function<RecordingId, Optional<RecordingEntry>> archived;
    private final Clock clock;
    private final Map<URI, Outbox> outboxes = new LinkedHashMap<>();
    private final ScheduledExecutorService worker;
    private final ExecutorService senders;
    private final HttpClient client;
    private final Counter delivered;
    private final Counter retried;
    private final Counter givenUp;
    private final Counter dropped;
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile boolean closed;

    private Webhooks(WebhookProperties settings, DeliveryLog deliveries, MeterRegistry meters, ObjectMapper json,
            Function<RecordingId, Optional<RecordingEntry>> archived, Clock clock) {
        this.settings = settings;
        this.deliveries = deliveries;
        this.json = json;
        this.archived = archived;
        this.clock = clock;
        for (WebhookProperties.Subscriber subscriber : settings.subscribers()) {
            outboxes.put(subscriber.url(), new Outbox(subscriber));
        }
        ScheduledThreadPoolExecutor worker = new ScheduledThreadPoolExecutor(1, daemon("webhooks"));
        // At close, attempts waiting for their time are dropped (they stay pending in the log); the log writes
        // already queued still run.
        worker.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        worker.setContinueExistingPeriodicTasksAfterShutdownPolicy(false);
        this.worker = worker;
        // Starting a send may resolve the receiver's host name, which blocks: never on the worker.
        this.senders = Executors.newCachedThreadPool(daemon("webhook-send"));
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(settings.timeout()).followRedirects(HttpClient.Redirect.NEVER).build();
        this.delivered = outcome(meters, "delivered");
        this.retried = outcome(meters, "retried");
        this.givenUp = outcome(meters, "given-up");
        this.dropped = Counter.builder("capstan.webhook.dropped")
                .description("webhook events dropped because too many were waiting for their subscriber")
                .register(meters);
        Gauge.builder("capstan.webhook.waiting", waiting, AtomicInteger::get)
                .description("webhook events waiting or being retried, all subscribers").register(meters);
    }

    /**
     * Starts sending: pending entries of the delivery log first, then events as they come. Without subscribers,
     * nothing: no thread, no client, no database access.
     *
     * @param archived the catalog's entry of a recording: a final event tells what the archive kept of it
     */
    public static Optional<Webhooks> start(WebhookProperties settings, DeliveryLog deliveries, MeterRegistry meters,
            ObjectMapper json, Function<RecordingId, Optional<RecordingEntry>> archived) {
        if (!settings.enabled()) {
            return Optional.empty();
        }
        Webhooks webhooks = new Webhooks(settings, deliveries, meters, json, archived, Clock.systemUTC());
        webhooks.worker.execute(webhooks::resumePending);
        webhooks.worker.scheduleWithFixedDelay(webhooks::purge, 1, PURGE_INTERVAL.toMinutes(), TimeUnit.MINUTES);
        log.info("webhooks: {} subscriber(s): {}", settings.subscribers().size(), settings.subscribers());
        return Optional.of(webhooks);
    }

    /** Hands a session's filing or move over to the worker; returns at once. */
    public void accept(SessionChanged change) {
        Optional<WebhookEvent> event = WebhookEvent.of(change);
        if (closed || event.isEmpty() || outboxes.values().stream().noneMatch(o -> o.subscriber.wants(event.get()))) {
            return;
        }
        Instant at = clock.instant();
        onWorker(() -> file(change, event.get(), at));
    }

    /**
     * Stops sending. Whatever has not been delivered stays pending in the delivery log, for the next start.
     */
    @Override
    public void close() {
        closed = true;
        senders.shutdownNow();
        // Not shutdownNow: an interrupt could break a database write under way.
        worker.shutdown();
        try {
            if (!worker.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("webhooks: the worker did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void file(SessionChanged change, WebhookEvent event, Instant at) {
        String eventId = UUID.randomUUID().toString();
        String body;
        try {
            // A final state follows the archive's settling: the catalog has what it kept.
            Optional<RecordingEntry> entry = change.state().isFinal() ? archived.apply(change.session().recordingId())
                    : Optional.empty();
            body = WebhookPayload.body(json, eventId, event, at, change.session(), change.previous(),
                    change.state(), entry);
        } catch (RuntimeException e) {
            log.warn("webhooks: {} for recording {} cannot be sent: {}", event.wireName(),
                    change.session().recordingId(), e.getMessage());
            return;
        }
        for (Outbox outbox : outboxes.values()) {
            if (outbox.subscriber.wants(event)) {
                Delivery delivery = new Delivery(UUID.randomUUID().toString(), eventId, event,
                        change.session().recordingId().value(), outbox.subscriber.url(), body, at, 0, at);
                remember("log", delivery, () -> deliveries.add(delivery));
                outbox.add(delivery);
            }
        }
    }

    private void resumePending() {
        List<Delivery> pending;
        try {
            pending = deliveries.pending();
        } catch (RuntimeException e) {
            log.warn("webhooks: could not read the pending deliveries of the last run; they stay pending: {}",
                    e.toString());
            return;
        }
        int resumed = 0;
        for (Delivery delivery : pending) {
            Outbox outbox = outboxes.get(delivery.subscriber());
            if (outbox == null) {
                remember("give up", delivery, () -> deliveries.gaveUp(delivery.id(), delivery.attempts(), null,
                        "no longer a subscriber"));
            } else {
                outbox.add(delivery);
                resumed++;
            }
        }
        if (!pending.isEmpty()) {
            log.info("webhooks: {} pending deliveries of the last run queued again"
                    + " ({} for former subscribers given up)", resumed, pending.size() - resumed);
        }
    }

    private void purge() {
        try {
            int purged = deliveries.purge(clock.instant().minus(settings.retention()));
            if (purged > 0) {
                log.debug("webhooks: {} finished deliveries older than {} deleted from the log", purged,
                        settings.retention());
            }
        } catch (RuntimeException e) {
            log.warn("webhooks: could not delete old deliveries from the log: {}", e.toString());
        }
    }

    /** The delivery log follows the outboxes; a database that fails does not stop delivery, it only loses track. */
    private void remember(String what, Delivery delivery, Runnable write) {
        try {
            write.run();
        } catch (RuntimeException e) {
            log.warn("webhooks: could not {} delivery {} in the delivery log: {}", what, delivery.id(), e.toString());
        }
    }

    private void onWorker(Runnable task) {
        try {
            worker.execute(task);
        } catch (RejectedExecutionException e) {
            // Closed: what was under way stays pending in the delivery log.
        }
    }

    private void onWorker(Runnable task, Duration delay) {
        try {
            worker.schedule(task, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // Closed, as above.
        }
    }

    /** The wait after the {@code attempts}th failed attempt: doubling from {@code first-retry}, capped, with jitter. */
    Duration backoff(int attempts) {
        long first = settings.firstRetry().toMillis();
        long max = settings.maxRetryDelay().toMillis();
        long delay = attempts >= 31 ? max : Math.min(max, first << Math.min(attempts - 1, 30));
        delay = Math.max(delay, 1);
        // Up to a quarter less, so that receivers coming back are not hit by every sender at the same moment.
        return Duration.ofMillis(delay - ThreadLocalRandom.current().nextLong(delay / 4 + 1));
    }

    private static Counter outcome(MeterRegistry meters, String outcome) {
        return Counter.builder("capstan.webhook.deliveries").tag("outcome", outcome)
                .description("webhook attempts by outcome: delivered, retried (failed, tried again), given-up")
                .register(meters);
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicLong count = new AtomicLong();
        return task -> {
            Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** One subscriber's events: waiting ones in arrival order, and those under way (sent or between attempts). */
    private final class Outbox {

        private final WebhookProperties.Subscriber subscriber;
        private final Deque<Delivery> queue = new ArrayDeque<>();
        private final Map<String, Delivery> underWay = new HashMap<>();

        Outbox(WebhookProperties.Subscriber subscriber) {
            this.subscriber = subscriber;
        }

        void add(Delivery delivery) {
            if (queue.size() >= settings.queueSize()) {
                Delivery oldest = queue.removeFirst();
                waiting.decrementAndGet();
                dropped.increment();
                String why = "dropped: more than " + settings.queueSize() + " events were waiting for this subscriber";
                log.warn("webhooks: {} for recording {} to {} {}", oldest.event().wireName(), oldest.recordingId(),
                        subscriber.shownUrl(), why);
                remember("give up", oldest, () -> deliveries.gaveUp(oldest.id(), oldest.attempts(), null, why));
            }
            queue.addLast(delivery);
            waiting.incrementAndGet();
            pump();
        }

        /** Starts the first waiting event of every recording that has none under way, up to {@link #PARALLEL}. */
        private void pump() {
            Iterator<Delivery> candidates = queue.iterator();
            while (underWay.size() < PARALLEL && candidates.hasNext()) {
                Delivery next = candidates.next();
                if (!underWay.containsKey(next.recordingId())) {
                    candidates.remove();
                    underWay.put(next.recordingId(), next);
                    onWorker(() -> send(next), Duration.between(clock.instant(), next.nextAttemptAt()));
                }
            }
        }

        private void send(Delivery delivery) {
            byte[] body = delivery.body().getBytes(StandardCharsets.UTF_8);
            HttpRequest request;
            try {
                request = HttpRequest.newBuilder(subscriber.url())
                        .timeout(settings.timeout())
                        .header("Content-Type", "application/json")
                        .header("User-Agent", "Capstan")
                        .header("Capstan-Event", delivery.event().wireName())
                        .header("Capstan-Delivery", delivery.id())
                        // Signed at each attempt: the receiver's replay window counts from the attempt.
                        .header(WebhookSignature.HEADER,
                                WebhookSignature.sign(subscriber.secret(), clock.instant(), body))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build();
            } catch (RuntimeException e) {
                finished(delivery, null, e);
                return;
            }
            Runnable start = () -> {
                try {
                    client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) ->
                            onWorker(() -> finished(delivery, response == null ? null : response.statusCode(), error)));
                } catch (RuntimeException e) {
                    onWorker(() -> finished(delivery, null, e));
                }
            };
            try {
                senders.execute(start);
            } catch (RejectedExecutionException closing) {
                // Closed: it stays pending in the delivery log.
            }
        }

        private void finished(Delivery delivery, Integer status, Throwable error) {
            int attempts = delivery.attempts() + 1;
            if (status != null && status / 100 == 2) {
                done(delivery);
                delivered.increment();
                log.debug("webhooks: {} {} for recording {} delivered to {} (HTTP {}, attempt {})",
                        delivery.event().wireName(), delivery.id(), delivery.recordingId(), subscriber.shownUrl(),
                        status, attempts);
                remember("log", delivery, () -> deliveries.delivered(delivery.id(), attempts, status, clock.instant()));
                return;
            }
            String why = status != null ? "HTTP " + status : describe(error);
            if (attempts >= settings.maxAttempts()) {
                done(delivery);
                givenUp.increment();
                log.info("webhooks: gave up {} {} for recording {} to {} after {} attempts: {}",
                        delivery.event().wireName(), delivery.id(), delivery.recordingId(), subscriber.shownUrl(),
                        attempts, why);
                remember("log", delivery, () -> deliveries.gaveUp(delivery.id(), attempts, status, why));
                return;
            }
            Duration wait = backoff(attempts);
            Delivery again = delivery.afterFailedAttempt(clock.instant().plus(wait));
            underWay.put(again.recordingId(), again);
            retried.increment();
            log.debug("webhooks: {} {} for recording {} to {}: attempt {} failed ({}), next in {} ms",
                    delivery.event().wireName(), delivery.id(), delivery.recordingId(), subscriber.shownUrl(),
                    attempts, why, wait.toMillis());
            remember("log", again, () -> deliveries.retrying(again, status, why));
            onWorker(() -> send(again), wait);
        }

        private void done(Delivery delivery) {
            underWay.remove(delivery.recordingId());
            waiting.decrementAndGet();
            pump();
        }

        /** Why an attempt got no answer, without the receiver's address (its query may hold a token). */
        private String describe(Throwable error) {
            Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            String why;
            if (cause instanceof HttpTimeoutException) {
                why = "no answer within " + settings.timeout().toMillis() + " ms";
            } else if (cause instanceof ConnectException) {
                why = "cannot connect" + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
            } else {
                why = cause == null ? "unknown error"
                        : cause.getClass().getSimpleName()
                                + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
            }
            return why.replace(subscriber.url().toString(), subscriber.shownUrl());
        }
    }
}
