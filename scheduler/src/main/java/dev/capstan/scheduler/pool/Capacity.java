package dev.capstan.scheduler.pool;

/**
 * How much recording capacity there is right now: what an operator's dashboard and an autoscaler read. The embedded
 * node answers for this host alone ({@link EmbeddedCapacity}); a fleet-wide implementation answers for every node,
 * and replaces it as the one {@code Capacity} bean.
 */
public interface Capacity {

    Snapshot now();

    /**
     * Capacity at one moment.
     *
     * @param nodes         nodes known, draining ones included
     * @param drainingNodes of those, nodes that finish what they run but take nothing new
     * @param freeSlots     recordings that could start at once: idle slots on nodes that admit now
     * @param busySlots     slots recording
     * @param queued        requests waiting for room
     * @param loadRatio     share of the recording budget in use: 0 idle, 1 full; above 1 when running recordings use
     *                      more than was budgeted
     */
    record Snapshot(int nodes, int drainingNodes, int freeSlots, int busySlots, int queued, double loadRatio) {

        public Snapshot {
            if (nodes < 0 || drainingNodes < 0 || freeSlots < 0 || busySlots < 0 || queued < 0) {
                throw new IllegalArgumentException("capacity counts cannot be negative: nodes " + nodes + ", draining "
                        + drainingNodes + ", free " + freeSlots + ", busy " + busySlots + ", queued " + queued);
            }
            if (drainingNodes > nodes) {
                throw new IllegalArgumentException(drainingNodes + " draining nodes out of " + nodes);
            }
            if (!(loadRatio >= 0) || Double.isInfinite(loadRatio)) {
                throw new IllegalArgumentException("load ratio must be a finite number >= 0, not " + loadRatio);
            }
        }

        /** Nodes that take new work. */
        public int readyNodes() {
            return nodes - drainingNodes;
        }
    }
}
