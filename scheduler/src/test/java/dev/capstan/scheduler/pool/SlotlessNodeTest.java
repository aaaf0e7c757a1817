package dev.capstan.scheduler.pool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeConfig;
import dev.capstan.recorder.slot.SlotConfig;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/**
 * A fleet scheduler's own node keeps no slots on purpose: it is healthy, and counts as no recording node, so the
 * fleet's figures are not skewed by it.
 */
class SlotlessNodeTest {

    @Test
    void aNodeWithoutSlotsIsHealthyAndNoRecordingNode() {
        try (Node node = Node.start(NodeConfig.defaults(SlotConfig.defaults()).withSlots(NodeConfig.NO_SLOTS))) {
            Health health = new NodeHealthIndicator(node).health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("slots", 0);

            Capacity.Snapshot capacity = new EmbeddedCapacity(node, 1.0, () -> false).now();
            assertThat(capacity).isEqualTo(new Capacity.Snapshot(0, 0, 0, 0, 0, 0));
        }
    }
}
