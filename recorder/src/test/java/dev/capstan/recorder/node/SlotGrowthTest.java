package dev.capstan.recorder.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.SlotConfig;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How far and when the pool grows, over real slots that cannot warm up (their display server is missing), so
 * nothing here starts a browser. Growing and shrinking with warm slots is ElasticSlotsTest's.
 */
class SlotGrowthTest {

    private static final long GIB = 1L << 30;

    @TempDir
    Path temp;

    private NodeConfig config() {
        SlotConfig defaults = SlotConfig.defaults();
        SlotConfig noDisplay = new SlotConfig(temp.resolve("no-such-Xvfb"), defaults.pulseaudio(), defaults.chromium(),
                defaults.chromedriver(), defaults.ffmpeg(), defaults.displayNumber(), defaults.profile(),
                defaults.pageLoadTimeout(), defaults.firstFrameTimeout(), defaults.segmentLength(),
                defaults.audioDelay(), temp.resolve("work"), defaults.browserFlags());
        return NodeConfig.defaults(noDisplay);
    }

    @Test
    void theMaximumIsWhatTheAudioEstimateAndMemoryHoldAndNeverBelowTheBase() {
        NodeConfig defaults = config();
        // 2 cores at 0.15 core: 13 audio-only recordings; 8 GiB less 512 MB at 700 MB each: 10.
        assertThat(defaults.slotCount(2)).isEqualTo(2);
        assertThat(defaults.maxSlotCount(2, 8 * GIB)).isEqualTo(10);
        assertThat(defaults.maxSlotCount(2, 24 * GIB)).as("CPU bounds a big host").isEqualTo(13);
        assertThat(defaults.maxSlotCount(2, GIB)).as("never below the base").isEqualTo(2);
        assertThat(defaults.withElasticSlots(5, NodeConfig.DEFAULT_SLOT_LINGER).maxSlotCount(2, GIB))
                .as("set explicitly").isEqualTo(5);
        assertThat(defaults.withSlots(4).withElasticSlots(3, NodeConfig.DEFAULT_SLOT_LINGER).maxSlotCount(2, GIB))
                .as("never below the base").isEqualTo(4);
        assertThat(defaults.withSlots(NodeConfig.NO_SLOTS).maxSlotCount(2, 8 * GIB)).as("a scheduler only").isZero();
        assertThat(defaults.withSlots(4).maxSlotCount(2, 24 * GIB))
                .as("a slot count set by the operator is the pool's size unless max-slots says more").isEqualTo(4);
    }

    @Test
    void aWaitingRequestGrowsThePoolOneSlotAtATimeUpToItsMaximum() {
        NodeConfig config = config();
        LoadMonitor monitor = new LoadMonitor(2, config);
        try (SlotPool pool = new SlotPool(config, 0, 2, () -> { })) {
            AdmissionQueue queue = new AdmissionQueue(10, pool, monitor, new Admission(2, config), () -> { }, () -> { });
            CompletableFuture<Recording> impatient = queue.record(audioOnly("now"), event -> { }, Duration.ZERO);
            assertThat(impatient).as("a caller that cannot wait is refused").isCompletedExceptionally();
            assertThat(pool.slotCount()).as("and grows nothing").isEqualTo(new NodeStatus.SlotCount(0, 2, 0));

            CompletableFuture<Recording> first = queue.record(audioOnly("first"), event -> { }, Duration.ofMinutes(1));
            CompletableFuture<Recording> second = queue.record(audioOnly("second"), event -> { },
                    Duration.ofMinutes(1));
            queue.dispatch();
            assertThat(pool.slotCount()).as("one slot added for the first in line").isEqualTo(
                    new NodeStatus.SlotCount(0, 2, 1));
            assertThat(pool.statuses()).extracting(NodeStatus.SlotStatus::name).containsExactly("slot-1");
            queue.dispatch();
            assertThat(pool.slotCount().current()).as("not another while that one is not warm").isEqualTo(1);

            await("slot-1 broken").atMost(Duration.ofSeconds(20))
                    .until(() -> pool.statuses().get(0).state().equals("broken"));
            queue.dispatch();
            assertThat(pool.slotCount().current()).as("nor once it broke: warming fails here").isEqualTo(1);
            assertThat(first).as("no slot can warm up: waiting would not help").isCompletedExceptionally();
            assertThat(second).isCompletedExceptionally();
            assertThat(first.handle((recording, failure) -> ((NodeBusyException) failure).reason()).join())
                    .isEqualTo(BusyReason.UNAVAILABLE);
        }
    }

    @Test
    void aPoolAtItsMaximumAddsNothing() {
        NodeConfig config = config();
        try (SlotPool pool = new SlotPool(config, 0, 1, () -> { })) {
            LoadMonitor.Snapshot load = new LoadMonitor(2, config).snapshot();
            assertThat(pool.grow(load)).isTrue();
            await("slot-1 broken").atMost(Duration.ofSeconds(20))
                    .until(() -> pool.statuses().get(0).state().equals("broken"));
            assertThat(pool.grow(load)).isFalse();
            assertThat(pool.slotCount()).isEqualTo(new NodeStatus.SlotCount(0, 1, 1));
        }
    }

    private RecordingRequest audioOnly(String id) {
        return RecordingRequest.of(RecordingId.of(id), new WebPage(URI.create("http://localhost/")), temp.resolve(id))
                .audioOnly();
    }
}
