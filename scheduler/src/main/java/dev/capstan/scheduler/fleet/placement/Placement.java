package dev.capstan.scheduler.fleet.placement;

import java.util.Collection;
import java.util.Comparator;
import java.util.Optional;
import java.util.Set;

/**
 * Where the next recording goes: onto the busiest node that can still take one, so that work packs onto few
 * nodes and idle ones can be scaled away (LiveKit Egress does the same). Between equally busy nodes the one with
 * more room wins, so the next recording can pack there too; the name breaks the last tie so that every scheduler
 * decides alike.
 */
public final class Placement {

    private static final Comparator<NodeView> PACKING = Comparator
            .comparingInt((NodeView node) -> node.report().busy()).reversed()
            .thenComparing(Comparator.comparingInt((NodeView node) -> node.report().free()).reversed())
            .thenComparing(NodeView::name);

    private Placement() {
    }

    /** The node for the next recording, never one in {@code excluded} (it refused, or the recording fled it). */
    public static Optional<NodeView> choose(Collection<NodeView> nodes, Set<String> excluded) {
        return nodes.stream()
                .filter(NodeView::canTake)
                .filter(node -> !excluded.contains(node.name()))
                .min(PACKING);
    }
}
