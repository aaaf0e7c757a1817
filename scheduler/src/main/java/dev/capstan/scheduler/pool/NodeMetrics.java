package dev.capstan.scheduler.pool;

import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeStatus;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * What an operator needs from this host's node, under {@code /actuator/metrics}: slots per state, queue length,
 * load, the per-recording estimate, the slowest encoder, every encoder's speed over time and whether the node is
 * overloaded. (What an autoscaler reads, fleet-wide, comes from {@code Capacity}.)
 */
@Component
class NodeMetrics implements MeterBinder {

    static final String ENCODER_SPEED = "capstan.encoder.speed";
    private static final List<String> SLOT_STATES = List.of("cold", "warming", "idle", "busy", "broken");
    /**
     * Around real time, where it matters: below {@code overload-speed} (0.98 by default) admission stops. The share
     * of samples under 1 tells how often encoders fell behind; a gauge per recording would be a series per recording.
     */
    private static final double[] SPEED_BUCKETS = {0.5, 0.8, 0.9, 0.95, 0.98, 1.0, 1.02, 1.05, 1.1, 1.25, 1.5, 2};
    private static final long SPEED_SAMPLE_MILLIS = 5000;

    private final Node node;
    private volatile DistributionSummary encoderSpeed;

    NodeMetrics(Node node) {
        this.node = node;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String state : SLOT_STATES) {
            gauge("capstan.node.slots", "Slots in this state", status -> status.slots().stream()
                    .filter(slot -> slot.state().equals(state)).count()).tag("state", state).register(registry);
        }
        gauge("capstan.node.slots.base", "Slots kept warm", status -> status.slotCount().base()).register(registry);
        gauge("capstan.node.slots.max", "Slots the pool may grow to for recordings cheaper than the base count "
                + "assumes (audio-only)", status -> status.slotCount().max()).register(registry);
        gauge("capstan.node.queue.length", "Requests waiting for room", NodeStatus::queued).register(registry);
        gauge("capstan.node.overloaded", "1 while a recording falls behind real time or delivers too few frames",
                status -> status.overload().isPresent() ? 1 : 0).register(registry);
        gauge("capstan.node.admitting", "1 while another recording would start at once",
                status -> status.busy().isEmpty() ? 1 : 0).register(registry);
        gauge("capstan.node.cpu.busy", "Cores busy on the host", status -> status.load().cpuBusy())
                .baseUnit("cores").register(registry);
        gauge("capstan.node.cpu.foreign", "Cores busy with anything but this node's slots, as admission sees it"
                + " (a moving average)", status -> status.load().foreignCpu()).baseUnit("cores").register(registry);
        gauge("capstan.node.cpu.cores", "Cores on the host", status -> status.load().cores())
                .baseUnit("cores").register(registry);
        gauge("capstan.node.memory.available", "Memory available on the host",
                status -> status.load().memoryAvailable()).baseUnit("bytes").register(registry);
        gauge("capstan.node.recording.cpu.estimate", "Cores a new recording is expected to use",
                NodeStatus::cpuPerRecording).baseUnit("cores").register(registry);
        gauge("capstan.node.encoder.speed.min", "Slowest running encoder, relative to real time",
                status -> status.recordings().stream()
                        .filter(recording -> recording.encoderSpeed().isPresent())
                        .mapToDouble(recording -> recording.encoderSpeed().getAsDouble())
                        .min().orElse(Double.NaN)).register(registry);
        encoderSpeed = DistributionSummary.builder(ENCODER_SPEED)
                .description("Running encoders' speed relative to real time over the speed window, one sample per "
                        + "encoder every " + SPEED_SAMPLE_MILLIS / 1000 + " s")
                .serviceLevelObjectives(SPEED_BUCKETS)
                .register(registry);
    }

    /** One sample per running encoder whose speed is known (a full speed window after its first frame). */
    @Scheduled(initialDelay = SPEED_SAMPLE_MILLIS, fixedRate = SPEED_SAMPLE_MILLIS)
    void sampleEncoderSpeeds() {
        DistributionSummary summary = encoderSpeed;
        if (summary == null) {
            return;
        }
        node.status().recordings().forEach(recording -> recording.encoderSpeed().ifPresent(summary::record));
    }

    private Gauge.Builder<Node> gauge(String name, String description,
            ToDoubleFunction<NodeStatus> value) {
        return Gauge.builder(name, node, n -> value.applyAsDouble(n.status())).description(description);
    }
}
