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

    /** An audio-only recording starts at once where a slot is idle, and waits for a slot to warm up elsewhere. */
    private static final Comparator<NodeView> AUDIO_ONLY = Comparator
            .comparing((NodeView node) -> node.report().free() == 0)
            .thenComparing(PACKING);

    /** The node for the next recording, never one in {@code excluded} (it refused, or the recording fled it). */
    public static Optional<NodeView> choose(Collection<NodeView> nodes, Set<String> excluded) {
        return choose(nodes, excluded, false);
    }

    /**
     * The same for a recording that may be {@code audioOnly}: that one may also go to a node with no idle slot that
     * can add one ({@link NodeView#canTakeAudioOnly}).
     */
    public static Optional<NodeView> choose(Collection<NodeView> nodes, Set<String> excluded, boolean audioOnly) {
        return nodes.stream()
                .filter(audioOnly ? NodeView::canTakeAudioOnly : NodeView::canTake)
                .filter(node -> !excluded.contains(node.name()))
                .min(audioOnly ? AUDIO_ONLY : PACKING);
    }
}
