package dev.capstan.scheduler.archive;

import dev.capstan.storage.blob.BlobStoreException;
import dev.capstan.storage.spool.Spool;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * The upload backlog under {@code /actuator/metrics} ({@code capstan.archive.*}) and as the {@code archive} health
 * component: a store that cannot be reached is visible at once, while no recording is lost meanwhile.
 *
 * <p>The store is also checked on its own every {@code capstan.archive.store-check} (15 s), so an outage shows
 * before a recording needs the store; while it cannot be reached, every second, so its return shows at once and
 * without anyone acting. The checks run on their own thread (a store that does not answer holds a call for up to
 * its timeout), and health answers from the last check: it never waits on the store itself.
 */
@Component("archive")
class ArchiveMetrics implements MeterBinder, HealthIndicator, InitializingBean, DisposableBean {

    static final Status SPOOLING = new Status("SPOOLING", "the store cannot be reached; segments wait on local disk");
    /** A key nothing writes: a store that answers "absent" for it is reachable and lets this process in. */
    static final String CHECK_KEY = "capstan-store-check";
    private static final Logger log = LoggerFactory.getLogger(ArchiveMetrics.class);

    private static final Duration RECHECK_WHILE_UNREACHABLE = Duration.ofSeconds(1);

    private final RecordingArchive archive;
    private final Duration checkInterval;
    private final ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "archive-store-check");
        thread.setDaemon(true);
        return thread;
    });
    private volatile StoreCheck lastCheck;

    /** The last answer of the store to {@link #checkStore()}; {@code problem} is empty when it answered. */
    private record StoreCheck(long atNanos, Instant at, Optional<String> problem) {
    }

    ArchiveMetrics(RecordingArchive archive, @Value("${capstan.archive.store-check:15s}") Duration checkInterval) {
        if (checkInterval.isNegative() || checkInterval.isZero()) {
            throw new IllegalArgumentException("capstan.archive.store-check must be a positive duration such as 15s, not "
                    + checkInterval);
        }
        this.archive = archive;
        this.checkInterval = checkInterval;
    }

    @Override
    public void afterPropertiesSet() {
        checker.scheduleWithFixedDelay(() -> {
            if (checkDue()) {
                checkStore();
            }
        }, 0, RECHECK_WHILE_UNREACHABLE.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void destroy() {
        checker.shutdownNow();
    }

    private boolean checkDue() {
        StoreCheck check = lastCheck;
        return check == null || check.problem().isPresent()
                || System.nanoTime() - check.atNanos() >= checkInterval.toNanos();
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        gauge("capstan.archive.uploads", "Recordings whose media is not yet complete in the store",
                Spool.Backlog::uploads).register(registry);
        gauge("capstan.archive.uploads.spooling", "Uploads waiting because the store cannot be reached",
                Spool.Backlog::spooling).register(registry);
        gauge("capstan.archive.pending.segments", "Segments on local disk only", Spool.Backlog::pendingSegments)
                .register(registry);
        gauge("capstan.archive.pending.bytes", "Bytes on local disk only", Spool.Backlog::pendingBytes)
                .baseUnit("bytes").register(registry);
        Gauge.builder("capstan.archive.store.reachable", this,
                        metrics -> metrics.storeProblem().isPresent() ? 0 : 1)
                .description("1 while the store answered its last check").register(registry);
    }

    private Gauge.Builder<RecordingArchive> gauge(String name, String description,
            ToDoubleFunction<Spool.Backlog> value) {
        return Gauge.builder(name, archive, a -> value.applyAsDouble(a.spool().backlog())).description(description);
    }

    /** Asks the store for an object that does not exist: the cheapest request that proves it answers. */
    void checkStore() {
        Optional<String> problem;
        try {
            archive.store().stat(CHECK_KEY);
            problem = Optional.empty();
        } catch (BlobStoreException | RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                return; // shutting down: no verdict
            }
            // The store's messages name the operation and the answer; credentials are scrubbed from them.
            problem = Optional.of(String.valueOf(e.getMessage()));
        }
        StoreCheck previous = lastCheck;
        lastCheck = new StoreCheck(System.nanoTime(), Instant.now(), problem);
        boolean wasReachable = previous == null || previous.problem().isEmpty();
        if (problem.isPresent() && wasReachable) {
            log.warn("archive: the store {} cannot be reached ({}); recordings spool on local disk until it answers",
                    archive.store().describe(), problem.get());
        } else if (problem.isEmpty() && !wasReachable) {
            log.info("archive: the store {} answers again", archive.store().describe());
        }
    }

    private Optional<String> storeProblem() {
        StoreCheck check = lastCheck;
        return check == null ? Optional.empty() : check.problem();
    }

    /**
     * {@code SPOOLING} (answered with HTTP 200) while the store cannot be reached: the operator sees it, but an
     * orchestrator must not restart a node for it, which would end the recordings that keep running meanwhile.
     */
    @Override
    public Health health() {
        Spool.Backlog backlog = archive.spool().backlog();
        StoreCheck check = lastCheck;
        boolean unreachable = check != null && check.problem().isPresent();
        Health.Builder health = backlog.spooling() > 0 || unreachable ? Health.status(SPOOLING) : Health.up();
        health.withDetail("store", archive.store().describe())
                .withDetail("uploads", backlog.uploads())
                .withDetail("spooling", backlog.spooling())
                .withDetail("pendingSegments", backlog.pendingSegments())
                .withDetail("pendingBytes", backlog.pendingBytes());
        if (check != null) {
            health.withDetail("storeChecked", check.at().toString());
            check.problem().ifPresent(problem -> health.withDetail("storeError", problem));
        }
        return health.build();
    }
}
