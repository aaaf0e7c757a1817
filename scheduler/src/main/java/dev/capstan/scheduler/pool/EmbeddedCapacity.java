package dev.capstan.scheduler.pool;

import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeStatus;
import java.util.function.BooleanSupplier;

/**
 * This host's node as {@link Capacity}: one node, draining while its node agent drains (a fleet node told to take
 * nothing new), and then with no free slot.
 *
 * <p>The load ratio is the CPU the running recordings use (as measured, or as reserved until measured) against the
 * node's CPU budget, not {@code busy / (busy + free)}. CPU is what admission rations: a node may refuse with idle
 * slots left (a 1080p recording costs more than a 540p one; slots may be set above what the cores hold), and slot
 * occupancy would then read half full while nothing more starts. Counting the reservation of a recording not yet
 * measured makes the ratio rise as soon as a recording starts, as admission sees it, rather than seconds later
 * with the host's CPU (which also swings with the 3-second spike of a browser warming up). Free slots tell an
 * autoscaler whether a start would succeed now; the ratio, how full the node really is. A fleet combines it as
 * the sum of the nodes' recording CPU over the sum of their budgets.
 */
public final class EmbeddedCapacity implements Capacity {

    private final Node node;
    private final double cpuBudget;
    private final BooleanSupplier draining;

    EmbeddedCapacity(Node node, double cpuBudget, BooleanSupplier draining) {
        if (!(cpuBudget > 0)) {
            throw new IllegalArgumentException("capstan.node.cpu-budget must be above 0, not " + cpuBudget);
        }
        this.node = node;
        this.cpuBudget = cpuBudget;
        this.draining = draining;
    }

    @Override
    public Snapshot now() {
        return of(node.status(), cpuBudget, draining.getAsBoolean());
    }

    /** One node's capacity from its status: the same figures wherever a node's capacity is reported. */
    public static Snapshot of(NodeStatus status, double cpuBudget, boolean draining) {
        if (status.slots().isEmpty()) {
            // A fleet scheduler's own node keeps no slots: it is no recording node, and counts as none.
            return new Snapshot(0, 0, 0, 0, status.queued(), 0);
        }
        // A slot admission would not hand out now (overload, no CPU or memory left) is not free to an autoscaler.
        int free = draining || status.busy().isPresent() ? 0 : (int) status.idleSlots();
        return new Snapshot(1, draining ? 1 : 0, free, (int) status.busySlots(), status.queued(),
                loadRatio(status, cpuBudget));
    }

    /** The running recordings' CPU (measured, or reserved until measured) over the cores recordings may use. */
    public static double loadRatio(NodeStatus status, double cpuBudget) {
        double budget = status.load().cores() * cpuBudget;
        if (!(budget > 0)) {
            return 0;
        }
        double recordingCpu = status.recordings().stream().mapToDouble(NodeStatus.RecordingLoad::cpu).sum();
        return Math.max(0, recordingCpu / budget);
    }
}
