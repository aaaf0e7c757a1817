package dev.capstan.scheduler.pool;

import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeStatus;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.springframework.stereotype.Component;

/**
 * What an operator or autoscaler needs from a node, under {@code /actuator/metrics}: slots per state, queue length,
 * load, the per-recording estimate, the slowest encoder and whether the node is overloaded.
 */
@Component
class NodeMetrics implements MeterBinder {

    private static final List<String> SLOT_STATES = List.of("cold", "warming", "idle", "busy", "broken");

    private final Node node;

    NodeMetrics(Node node) {
        this.node = node;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String state : SLOT_STATES) {
            gauge("capstan.node.slots", "Slots in this state", status -> status.slots().stream()
                    .filter(slot -> slot.state().equals(state)).count()).tag("state", state).register(registry);
        }
        gauge("capstan.node.queue.length", "Requests waiting for room", NodeStatus::queued).register(registry);
        gauge("capstan.node.overloaded", "1 while an encoder falls behind real time",
                status -> status.overload().isPresent() ? 1 : 0).register(registry);
        gauge("capstan.node.admitting", "1 while another recording would start at once",
                status -> status.busy().isEmpty() ? 1 : 0).register(registry);
        gauge("capstan.node.cpu.busy", "Cores busy on the host", status -> status.load().cpuBusy())
                .baseUnit("cores").register(registry);
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
    }

    private Gauge.Builder<Node> gauge(String name, String description,
            ToDoubleFunction<NodeStatus> value) {
        return Gauge.builder(name, node, n -> value.applyAsDouble(n.status())).description(description);
    }
}
