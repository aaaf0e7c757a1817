package dev.capstan.scheduler.events.metrics;

import dev.capstan.scheduler.pool.Capacity;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.function.ToDoubleFunction;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * What an autoscaler scales on, from {@link Capacity} alone (this host's node, or the whole fleet once a fleet-wide
 * {@code Capacity} replaces it): free and busy slots, the queue, the load ratio and the nodes by state. On
 * {@code /actuator/prometheus} as {@code capstan_slots_free}, {@code capstan_slots_busy}, {@code capstan_queue_length},
 * {@code capstan_load_ratio} and {@code capstan_nodes{state="ready"|"draining"}}.
 */
@Component
class FleetMetrics implements MeterBinder {

    static final String SLOTS_FREE = "capstan.slots.free";
    static final String SLOTS_BUSY = "capstan.slots.busy";
    static final String QUEUE_LENGTH = "capstan.queue.length";
    static final String LOAD_RATIO = "capstan.load.ratio";
    static final String NODES = "capstan.nodes";
    /**
     * One snapshot serves every gauge of a scrape: the gauges are read one after another, and a fleet-wide
     * {@code Capacity} may have to ask other hosts.
     */
    private static final Duration SNAPSHOT_REUSE = Duration.ofSeconds(1);

    private final ObjectProvider<Capacity> capacity;
    private Capacity.Snapshot last;
    private long lastTakenNanos;

    FleetMetrics(ObjectProvider<Capacity> capacity) {
        this.capacity = capacity;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Capacity source = capacity.getIfAvailable();
        if (source == null) {
            return; // a process without a node and without a fleet has no capacity to report
        }
        gauge(source, SLOTS_FREE, "Recordings that could start at once: idle slots on nodes that admit now",
                Capacity.Snapshot::freeSlots).register(registry);
        gauge(source, SLOTS_BUSY, "Slots recording", Capacity.Snapshot::busySlots).register(registry);
        gauge(source, QUEUE_LENGTH, "Requests waiting for room", Capacity.Snapshot::queued).register(registry);
        gauge(source, LOAD_RATIO, "CPU used by recordings over the CPU budgeted for them (1: full)",
                Capacity.Snapshot::loadRatio).register(registry);
        // One description for both: Prometheus keeps one HELP line per name.
        String nodes = "Nodes by state: ready ones take new work, draining ones finish theirs and take nothing new";
        gauge(source, NODES, nodes, Capacity.Snapshot::readyNodes).tag("state", "ready").register(registry);
        gauge(source, NODES, nodes, Capacity.Snapshot::drainingNodes).tag("state", "draining").register(registry);
    }

    private Gauge.Builder<Capacity> gauge(Capacity source, String name, String description,
            ToDoubleFunction<Capacity.Snapshot> value) {
        return Gauge.builder(name, source, c -> value.applyAsDouble(snapshot(c))).description(description);
    }

    private synchronized Capacity.Snapshot snapshot(Capacity source) {
        long now = System.nanoTime();
        if (last == null || now - lastTakenNanos >= SNAPSHOT_REUSE.toNanos()) {
            last = source.now();
            lastTakenNanos = now;
        }
        return last;
    }
}
