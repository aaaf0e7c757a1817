package dev.capstan.scheduler.events.metrics;

import dev.capstan.scheduler.session.FailureReason;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionAdopted;
import dev.capstan.scheduler.session.SessionChanged;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.storage.archive.RecordingId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Sessions as an operator follows them, from {@link SessionChanged}:
 * <ul>
 *   <li>{@code capstan.session.start{origin}}: from filing to {@code on} (the first frame written), as a Prometheus
 *       histogram;</li>
 *   <li>{@code capstan.session.failures{reason}}: failed sessions by their {@link FailureReason}'s wire name,
 *       never the failure's text: it carries addresses and error messages, and every distinct text would be a new
 *       series;</li>
 *   <li>{@code capstan.session.failovers}: sessions moved to another node after a fault;</li>
 *   <li>{@code capstan.session.adoptions}: sessions this scheduler adopted from a scheduler gone for good (its
 *       lease expired);</li>
 *   <li>{@code capstan.sessions{state}}: sessions in each state that is not final, from {@link Sessions}: every
 *       scheduler sharing the database counts the same sessions.</li>
 * </ul>
 */
@Component
class SessionMetrics {

    static final String START = "capstan.session.start";
    static final String FAILURES = "capstan.session.failures";
    static final String FAILOVERS = "capstan.session.failovers";
    static final String ADOPTIONS = "capstan.session.adoptions";
    static final String SESSIONS = "capstan.sessions";

    /** Where a start is good, fair and slow: a warm slot starts in 1–3 s; Jibri needs 5–10 s (README: Benchmarks). */
    private static final Duration[] START_BUCKETS = {Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(20), Duration.ofSeconds(30)};
    /** A session not on after this long never will be (page load, join and first frame all time out before). */
    private static final Duration FORGET_START_AFTER = Duration.ofHours(1);
    /** One look at the sessions serves every state's gauge of a scrape. */
    private static final Duration COUNTS_REUSE = Duration.ofSeconds(1);

    private final MeterRegistry registry;
    private final Sessions sessions;
    private final Map<FailureReason, Counter> failures = new EnumMap<>(FailureReason.class);
    private final Counter failovers;
    private final Counter adoptions;
    private final Map<OriginKind, Timer> starts = new ConcurrentHashMap<>();
    /** Sessions filed here and not yet on, with when they were filed. */
    private final Map<RecordingId, Instant> awaitingOn = new ConcurrentHashMap<>();
    private Map<String, Long> counts = Map.of();
    private long countedNanos;
    private boolean counted;

    SessionMetrics(MeterRegistry registry, Sessions sessions) {
        this.registry = registry;
        this.sessions = sessions;
        // Every reason's series exists (at 0) before its first failure, so alerts on increase() see it.
        for (FailureReason reason : FailureReason.values()) {
            failures.put(reason, Counter.builder(FAILURES).description("Sessions that failed, by reason")
                    .tag("reason", reason.wireName()).register(registry));
        }
        this.failovers = Counter.builder(FAILOVERS)
                .description("Sessions moved to another node after a fault").register(registry);
        this.adoptions = Counter.builder(ADOPTIONS)
                .description("Sessions adopted from a scheduler gone for good").register(registry);
        for (String state : liveStates()) {
            Gauge.builder(SESSIONS, this, metrics -> metrics.count(state))
                    .description("Sessions in this state").tag("state", state).register(registry);
        }
    }

    /** The states a session is in while it lives, whatever the life cycle adds later. */
    private static List<String> liveStates() {
        return Arrays.stream(SessionState.Status.values()).filter(status -> !status.isFinal())
                .map(SessionState.Status::wireName).toList();
    }

    /** Synchronous on the thread that moved the session: only counts and map updates here. */
    @EventListener
    void changed(SessionChanged change) {
        Session session = change.session();
        RecordingId id = session.recordingId();
        SessionState state = change.state();
        if (change.previous().isEmpty() && !state.isFinal() && !(state instanceof SessionState.On)) {
            forgetStale();
            awaitingOn.put(id, session.requestedAt());
        }
        if (state instanceof SessionState.On on) {
            Instant filed = awaitingOn.remove(id);
            if (filed != null) {
                Duration took = Duration.between(filed, on.since());
                start(OriginKind.of(session.origin())).record(took.isNegative() ? Duration.ZERO : took);
            }
        } else if (isFailover(change.previous(), state)) {
            // The new node's start is a recovery, not a start the requester waits for: not timed.
            awaitingOn.remove(id);
            failovers.increment();
        } else if (state instanceof SessionState.Failed failed) {
            awaitingOn.remove(id);
            failures.get(failed.failure().reason()).increment();
        } else if (state instanceof SessionState.Stopping || state instanceof SessionState.Finalizing
                || state.isFinal()) {
            awaitingOn.remove(id);
        }
    }

    @EventListener
    void adopted(SessionAdopted adopted) {
        adoptions.increment();
    }

    /** Placed on a node (pending or on), then back to being placed (starting, or pending again elsewhere). */
    private static boolean isFailover(Optional<SessionState> previous, SessionState state) {
        boolean placedAgain = state instanceof SessionState.Starting || state instanceof SessionState.Pending;
        return placedAgain && previous
                .filter(before -> before instanceof SessionState.Pending || before instanceof SessionState.On
                        || before instanceof SessionState.Paused)
                .isPresent();
    }

    private Timer start(OriginKind origin) {
        return starts.computeIfAbsent(origin, kind -> Timer.builder(START)
                .description("Time from a session's filing to its first frame written")
                .tag("origin", kind.tag())
                .publishPercentileHistogram()
                .serviceLevelObjectives(START_BUCKETS)
                .minimumExpectedValue(START_BUCKETS[0])
                .maximumExpectedValue(START_BUCKETS[START_BUCKETS.length - 1])
                .register(registry));
    }

    private void forgetStale() {
        Instant cutoff = Instant.now().minus(FORGET_START_AFTER);
        awaitingOn.values().removeIf(filed -> filed.isBefore(cutoff));
    }

    private synchronized double count(String state) {
        long now = System.nanoTime();
        if (!counted || now - countedNanos >= COUNTS_REUSE.toNanos()) {
            counts = sessions.active().stream().map(Session::state).filter(s -> !s.isFinal())
                    .collect(Collectors.groupingBy(SessionState::name, Collectors.counting()));
            countedNanos = now;
            counted = true;
        }
        return counts.getOrDefault(state, 0L);
    }
}
