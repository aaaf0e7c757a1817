package dev.capstan.scheduler.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.capstan.recorder.node.BusyReason;
import dev.capstan.recorder.node.HostLoad;
import dev.capstan.recorder.node.NodeStatus;
import dev.capstan.scheduler.pool.Capacity.Snapshot;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * A node's capacity as an autoscaler reads it, from the node's own status: free means "would start now", and the
 * load ratio is the recordings' CPU against the budget.
 */
class EmbeddedCapacityTest {

    private static final HostLoad FOUR_CORES = new HostLoad(4, 1.7, 0.2, 6L << 30, 8L << 30);

    private static NodeStatus.SlotStatus slot(int n, String state) {
        return new NodeStatus.SlotStatus("slot-" + n, state, Optional.empty(), 0, Optional.empty(), Optional.empty());
    }

    private static NodeStatus.RecordingLoad recording(String id, boolean measured, double cpu) {
        return new NodeStatus.RecordingLoad(id, "slot-1", measured, cpu, 600L << 20, OptionalDouble.of(1.0),
                OptionalDouble.of(30), 30);
    }

    private static NodeStatus status(Optional<NodeStatus.Hold> busy, NodeStatus.RecordingLoad... recordings) {
        return new NodeStatus(FOUR_CORES, 0.9, 700L << 20,
                List.of(slot(1, "busy"), slot(2, "busy"), slot(3, "idle"), slot(4, "idle")),
                List.of(recordings), 0, List.of(), busy, Optional.empty());
    }

    @Test
    void idleSlotsAreFreeWhileTheNodeAdmits() {
        Snapshot snapshot = EmbeddedCapacity.of(status(Optional.empty(), recording("a", true, 0.8),
                recording("b", false, 0.9)), 0.75, false);
        assertThat(snapshot.freeSlots()).isEqualTo(2);
        assertThat(snapshot.busySlots()).isEqualTo(2);
        assertThat(snapshot.nodes()).isEqualTo(1);
        assertThat(snapshot.readyNodes()).isEqualTo(1);
        // 0.8 measured + 0.9 reserved for the one not yet measured, over 4 cores x 0.75
        assertThat(snapshot.loadRatio()).isCloseTo(1.7 / 3.0, within(1e-9));
    }

    @Test
    void noSlotIsFreeWhileAdmissionHoldsOrTheNodeDrains() {
        NodeStatus holding = status(Optional.of(new NodeStatus.Hold(BusyReason.CPU, "3.10 cores busy")),
                recording("a", true, 1.4), recording("b", true, 1.6));
        assertThat(EmbeddedCapacity.of(holding, 1.0, false).freeSlots()).as("idle slots, but no room").isZero();

        Snapshot draining = EmbeddedCapacity.of(status(Optional.empty()), 1.0, true);
        assertThat(draining.freeSlots()).isZero();
        assertThat(draining.drainingNodes()).isEqualTo(1);
        assertThat(draining.readyNodes()).isZero();
        assertThat(draining.loadRatio()).isZero();
    }

    @Test
    void recordingsUsingMoreThanTheBudgetReadAboveOne() {
        NodeStatus over = status(Optional.empty(), recording("a", true, 2.5), recording("b", true, 2.5));
        assertThat(EmbeddedCapacity.loadRatio(over, 1.0)).isEqualTo(1.25);
    }

    @Test
    void aProcessWithoutSlotsIsNoRecordingNode() {
        NodeStatus none = new NodeStatus(FOUR_CORES, 0.9, 700L << 20, List.of(), List.of(), 0, List.of(),
                Optional.empty(), Optional.empty());
        assertThat(EmbeddedCapacity.of(none, 1.0, false)).isEqualTo(new Snapshot(0, 0, 0, 0, 0, 0));
    }
}
