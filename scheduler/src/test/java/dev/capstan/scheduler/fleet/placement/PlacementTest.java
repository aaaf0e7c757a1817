package dev.capstan.scheduler.fleet.placement;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.scheduler.fleet.protocol.NodeReport;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlacementTest {

    private static NodeView node(String name, int slots, int busy, boolean draining) {
        int free = draining ? 0 : slots - busy;
        return new NodeView(name, new NodeReport(slots, free, busy, 0, 0.1 * busy, draining, List.of()), Instant.now());
    }

    private static Optional<String> choose(Set<String> excluded, NodeView... nodes) {
        return Placement.choose(List.of(nodes), excluded).map(NodeView::name);
    }

    @Test
    void packsOntoTheBusiestNodeThatStillHasRoom() {
        assertThat(choose(Set.of(), node("a", 4, 1, false), node("b", 4, 3, false), node("c", 4, 0, false)))
                .contains("b");
    }

    @Test
    void aFullNodeIsPassedOver() {
        assertThat(choose(Set.of(), node("a", 2, 2, false), node("b", 4, 1, false))).contains("b");
    }

    @Test
    void amongIdleNodesTheOneWithMostRoomStartsSoTheNextRecordingPacksThereToo() {
        assertThat(choose(Set.of(), node("a", 1, 0, false), node("b", 2, 0, false))).contains("b");
    }

    @Test
    void drainingAndExcludedNodesTakeNothing() {
        assertThat(choose(Set.of("b"), node("a", 4, 3, true), node("b", 4, 1, false), node("c", 4, 0, false)))
                .contains("c");
        assertThat(choose(Set.of(), node("a", 4, 3, true))).isEmpty();
        assertThat(choose(Set.of())).isEmpty();
    }

    @Test
    void theNameBreaksTiesSoEverySchedulerDecidesAlike() {
        assertThat(choose(Set.of(), node("b", 2, 1, false), node("a", 2, 1, false))).contains("a");
    }
}
