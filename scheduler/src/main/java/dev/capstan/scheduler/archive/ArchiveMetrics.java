package dev.capstan.scheduler.archive;

import dev.capstan.storage.spool.Spool;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * The upload backlog under {@code /actuator/metrics} ({@code capstan.archive.*}) and as the {@code archive} health
 * component: a store that cannot be reached is visible at once, while no recording is lost meanwhile.
 */
@Component("archive")
class ArchiveMetrics implements MeterBinder, HealthIndicator {

    static final Status SPOOLING = new Status("SPOOLING", "the store cannot be reached; segments wait on local disk");

    private final RecordingArchive archive;

    ArchiveMetrics(RecordingArchive archive) {
        this.archive = archive;
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
    }

    private Gauge.Builder<RecordingArchive> gauge(String name, String description,
            ToDoubleFunction<Spool.Backlog> value) {
        return Gauge.builder(name, archive, a -> value.applyAsDouble(a.spool().backlog())).description(description);
    }

    /**
     * {@code SPOOLING} (answered with HTTP 200) while the store cannot be reached: the operator sees it, but an
     * orchestrator must not restart a node for it, which would end the recordings that keep running meanwhile.
     */
    @Override
    public Health health() {
        Spool.Backlog backlog = archive.spool().backlog();
        Health.Builder health = backlog.spooling() > 0 ? Health.status(SPOOLING) : Health.up();
        return health.withDetail("store", archive.store().describe())
                .withDetail("uploads", backlog.uploads())
                .withDetail("spooling", backlog.spooling())
                .withDetail("pendingSegments", backlog.pendingSegments())
                .withDetail("pendingBytes", backlog.pendingBytes())
                .build();
    }
}
