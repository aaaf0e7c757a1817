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

    /** A node with every slot recording that could add {@code spare} more, its recordings at {@code load}. */
    private static NodeView growable(String name, int busy, int spare, double load) {
        return new NodeView(name, new NodeReport(busy, 0, busy, 0, load, false, List.of(), spare), Instant.now());
    }

    @Test
    void anAudioOnlyRecordingMayGoWhereASlotCanBeAddedARecordingWithPictureMayNot() {
        NodeView full = growable("a", 2, 8, 0.3);
        assertThat(Placement.choose(List.of(full), Set.of(), true)).map(NodeView::name).contains("a");
        assertThat(Placement.choose(List.of(full), Set.of(), false)).isEmpty();
        assertThat(Placement.choose(List.of(full), Set.of("a"), true)).isEmpty();
    }

    @Test
    void anAudioOnlyRecordingStartsAtOnceOnAnIdleSlotBeforeWaitingForOneToWarm() {
        assertThat(Placement.choose(List.of(growable("a", 6, 4, 0.4), node("b", 2, 1, false)), Set.of(), true))
                .map(NodeView::name).contains("b");
    }

    @Test
    void aNodeWithoutSpareRoomOrWithoutCpuHeadroomOrDrainingTakesNoAudioOnlyRecordingOnAnAddedSlot() {
        assertThat(Placement.choose(List.of(growable("a", 2, 0, 0.3)), Set.of(), true)).as("no spare").isEmpty();
        assertThat(Placement.choose(List.of(growable("a", 9, 3, 1.05)), Set.of(), true)).as("CPU budget spent")
                .isEmpty();
        NodeView draining = new NodeView("a", new NodeReport(2, 0, 2, 0, 0.3, true, List.of(), 8), Instant.now());
        assertThat(Placement.choose(List.of(draining), Set.of(), true)).as("draining").isEmpty();
    }

    @Test
    void theNameBreaksTiesSoEverySchedulerDecidesAlike() {
        assertThat(choose(Set.of(), node("b", 2, 1, false), node("a", 2, 1, false))).contains("a");
    }
}
