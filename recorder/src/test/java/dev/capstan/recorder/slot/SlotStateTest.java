package dev.capstan.recorder.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.recorder.browser.WebPage;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A slot's life cycle: Cold -> Warming -> Idle <-> Busy, Broken when hurt (and warmed again), Closed for good. */
class SlotStateTest {

    private static final RecordingId ID = RecordingId.of("rec-1");
    private static final SlotState COLD = new SlotState.Cold();
    private static final SlotState WARMING = new SlotState.Warming();
    private static final SlotState IDLE = new SlotState.Idle();
    private static final SlotState BUSY = new SlotState.Busy(ID);
    private static final SlotState BROKEN = new SlotState.Broken(new Failure(Failure.Reason.SLOT_DIED, "Xvfb exited"));
    private static final SlotState CLOSED = new SlotState.Closed();
    private static final List<SlotState> ALL = List.of(COLD, WARMING, IDLE, BUSY, BROKEN, CLOSED);

    @TempDir
    Path temp;

    @Test
    void theNormalLifeOfASlotIsAllowed() {
        assertThat(COLD.canMoveTo(WARMING)).as("cold -> warming").isTrue();
        assertThat(WARMING.canMoveTo(IDLE)).as("warming -> idle").isTrue();
        assertThat(IDLE.canMoveTo(BUSY)).as("idle -> busy").isTrue();
        assertThat(BUSY.canMoveTo(IDLE)).as("busy -> idle").isTrue();
    }

    @Test
    void aHurtSlotBreaksAndCanBeWarmedAgain() {
        assertThat(WARMING.canMoveTo(BROKEN)).as("warming -> broken").isTrue();
        assertThat(IDLE.canMoveTo(BROKEN)).as("idle -> broken").isTrue();
        assertThat(BUSY.canMoveTo(BROKEN)).as("busy -> broken").isTrue();
        assertThat(BROKEN.canMoveTo(WARMING)).as("broken -> warming").isTrue();
    }

    @Test
    void onlyAnIdleSlotCanBeRetiredToBeRebuilt() {
        assertThat(IDLE.canMoveTo(COLD)).as("idle -> cold (recycled)").isTrue();
        assertThat(BUSY.canMoveTo(COLD)).as("busy -> cold would cut a recording").isFalse();
    }

    @Test
    void everyOpenSlotCanBeClosed() {
        for (SlotState from : List.of(COLD, WARMING, IDLE, BUSY, BROKEN)) {
            assertThat(from.canMoveTo(CLOSED)).as("%s -> closed", from).isTrue();
        }
    }

    @Test
    void aClosedSlotStaysClosed() {
        for (SlotState next : ALL) {
            assertThat(CLOSED.canMoveTo(next)).as("closed -> %s", next).isFalse();
        }
    }

    @Test
    void shortcutsAreRefused() {
        assertThat(COLD.canMoveTo(IDLE)).as("cold -> idle without warming").isFalse();
        assertThat(COLD.canMoveTo(BUSY)).as("cold -> busy without warming").isFalse();
        assertThat(WARMING.canMoveTo(BUSY)).as("warming -> busy before idle").isFalse();
        assertThat(BROKEN.canMoveTo(IDLE)).as("broken -> idle without warming again").isFalse();
        assertThat(BROKEN.canMoveTo(BUSY)).as("broken -> busy").isFalse();
        assertThat(BUSY.canMoveTo(new SlotState.Busy(RecordingId.of("rec-2")))).as("busy -> busy: one recording at a time").isFalse();
        assertThat(IDLE.canMoveTo(WARMING)).as("idle -> warming: already warm").isFalse();
        for (SlotState from : List.of(COLD, WARMING, BUSY, BROKEN, CLOSED)) {
            assertThat(from.canMoveTo(COLD)).as("%s -> cold", from).isFalse();
        }
    }

    @Test
    void aClosedSlotRefusesToRecordOrWarmUp() throws Exception {
        Slot slot = new Slot("slot-closed", SlotConfig.defaults().withWorkDirectory(temp.resolve("work")));
        assertThat(slot.state()).isEqualTo(COLD);
        slot.close();
        assertThat(slot.state()).isEqualTo(CLOSED);
        slot.close();
        assertThat(slot.state()).as("closing twice is harmless").isEqualTo(CLOSED);

        RecordingRequest request = RecordingRequest.of(ID, new WebPage(URI.create("http://127.0.0.1:1/")), temp.resolve("rec"));
        assertThatThrownBy(() -> slot.record(request, event -> { }))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("slot-closed").hasMessageContaining("closed");
        assertThatThrownBy(slot::warmUp)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThat(slot.display()).isEmpty();
    }
}
