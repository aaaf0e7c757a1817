package dev.capstan.recorder.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.fixture.Leftovers;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.SlotConfig;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.storage.archive.RecordingId;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A slot configured to be recycled after one recording is rebuilt from scratch once that recording is over. */
@Tag("media")
class RecyclingTest {

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aSlotIsRebuiltAfterItsQuotaOfRecordings() throws Exception {
        Path work = temp.resolve("work");
        try (PageServer pages = PageServer.start();
             Node node = Node.start(NodeConfig.defaults(SlotConfig.defaults().withWorkDirectory(work))
                     .withSlots(1).withRecycling(1, Duration.ZERO))) {
            NodeStatus.SlotStatus first = awaitIdle(node, Instant.MIN);
            RecordingRequest request = RecordingRequest.of(RecordingId.of("recycled"), new WebPage(pages.demo()),
                    temp.resolve("recordings/recycled")).withMaxDuration(Duration.ofSeconds(2));
            SlotEvent.Outcome outcome = node.record(request, event -> { }, Duration.ofSeconds(30))
                    .get(30, TimeUnit.SECONDS).outcome().get(30, TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOf(SlotEvent.Stopped.class);

            NodeStatus.SlotStatus rebuilt = awaitIdle(node, first.warmSince().orElseThrow());
            assertThat(rebuilt.uses()).as("a rebuilt slot starts afresh").isZero();
            assertThat(Leftovers.files(work)).as("only the new slot's runtime directory").hasSize(1);
        }
        Leftovers.assertNoneLeft(work);
    }

    /** Waits for the slot to be idle with a warm-up later than {@code after}. */
    private static NodeStatus.SlotStatus awaitIdle(Node node, Instant after) {
        return await("the slot idle, warm since after " + after).atMost(Duration.ofSeconds(45))
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200))
                .until(() -> node.status().slots().get(0), slot -> slot.state().equals("idle")
                        && slot.warmSince().map(since -> since.isAfter(after)).orElse(false));
    }
}
