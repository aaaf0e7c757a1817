package dev.capstan.scheduler.fleet.placement;

import dev.capstan.scheduler.fleet.protocol.NodeReport;
import dev.capstan.scheduler.pool.Capacity;
import java.util.List;

/**
 * The whole pool's capacity, from the nodes' own reports: what the autoscaler reads on a fleet scheduler. Every
 * scheduler sees the same pool, so any of them may be scraped.
 */
public final class FleetCapacity implements Capacity {

    private final NodeRoster roster;

    public FleetCapacity(NodeRoster roster) {
        this.roster = roster;
    }

    @Override
    public Snapshot now() {
        List<NodeView> nodes = roster.nodes();
        int draining = 0;
        int free = 0;
        int busy = 0;
        int queued = 0;
        double weightedLoad = 0;
        int slots = 0;
        for (NodeView node : nodes) {
            NodeReport report = node.report();
            draining += report.draining() ? 1 : 0;
            free += report.draining() ? 0 : Math.max(0, report.free());
            busy += Math.max(0, report.busy());
            queued += Math.max(0, report.queued());
            slots += Math.max(0, report.slots());
            weightedLoad += Math.max(0, report.load()) * Math.max(0, report.slots());
        }
        // Each node's load is its recordings' CPU over its budget; the pool's is their mean, weighted by slots.
        return new Snapshot(nodes.size(), draining, free, busy, queued, slots == 0 ? 0 : weightedLoad / slots);
    }
}
