package dev.capstan.recorder.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.demo.DemoMeeting;
import dev.capstan.recorder.fixture.CpuHog;
import dev.capstan.recorder.fixture.Leftovers;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.SlotConfig;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.storage.archive.RecordingId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node with one warm slot takes three audio-only recordings of the demo page at once: the pool grows a slot for
 * each request that waits with room on the host, and stops the extra slots once they have been idle for the
 * linger. Real Xvfb, PulseAudio, Chromium and FFmpeg, beside another tenant holding a core.
 */
@Tag("media")
class ElasticSlotsTest {

    private static final Duration LINGER = Duration.ofSeconds(4);

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void oneBaseSlotGrowsToRecordThreeAudioOnlyRecordingsAtOnceAndShrinksBackAfterTheLinger() throws Exception {
        Path work = temp.resolve("work");
        // The pool is under test, not admission (AdmissionTest): on this shared 2-core machine an honest budget
        // could rightly refuse a warm-up beside running recordings, so it is lifted out of the way.
        NodeConfig config = NodeConfig.defaults(SlotConfig.defaults().withWorkDirectory(work))
                .withSlots(1).withElasticSlots(3, LINGER).withCpuBudget(4);
        try (CpuHog hog = CpuHog.steady(1.0);
             PageServer pages = PageServer.start();
             Node node = Node.start(config)) {
            awaitStatus(node, status -> status.idleSlots() == 1, Duration.ofSeconds(60), "the base slot warm");
            assertThat(node.status().slotCount()).isEqualTo(new NodeStatus.SlotCount(1, 3, 1));

            List<CompletableFuture<Recording>> starting = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                RecordingRequest request = RecordingRequest.of(RecordingId.of("audio-" + i),
                        new WebPage(pages.demo()), temp.resolve("recordings/audio-" + i)).audioOnly();
                starting.add(node.record(request, event -> { }, Duration.ofSeconds(60)));
            }
            List<Recording> recordings = new ArrayList<>();
            for (CompletableFuture<Recording> start : starting) {
                recordings.add(start.get(60, TimeUnit.SECONDS));
            }
            NodeStatus all = node.status();
            assertThat(all.busySlots()).as("three recordings at once on %s", all.slots()).isEqualTo(3);
            assertThat(all.slotCount()).isEqualTo(new NodeStatus.SlotCount(1, 3, 3));
            assertThat(recordings).extracting(Recording::slotName).doesNotHaveDuplicates();

            await("every recording a few seconds long").atMost(Duration.ofSeconds(30)).until(() -> recordings.stream()
                    .allMatch(recording -> recording.progress().recorded().compareTo(Duration.ofSeconds(3)) >= 0));
            List<CompletableFuture<SlotEvent.Outcome>> stopping = recordings.stream().map(Recording::stop).toList();
            List<SlotEvent.Stopped> outcomes = new ArrayList<>();
            for (CompletableFuture<SlotEvent.Outcome> outcome : stopping) {
                outcomes.add((SlotEvent.Stopped) outcome.get(30, TimeUnit.SECONDS));
            }
            long stopped = System.nanoTime();
            assertThat(node.status().slotCount().current()).as("the extra slots linger").isEqualTo(3);

            for (SlotEvent.Stopped outcome : outcomes) {
                Path file = outcome.file().orElseThrow();
                MediaReport report = MediaReport.of(file);
                System.out.println(file.getFileName() + ": " + report);
                double recorded = outcome.span().length().toNanos() / 1e9;
                assertThat(recorded).as("%s recorded", file).isGreaterThan(2.5);
                assertThat(report.duration()).as("%s duration", file).isCloseTo(recorded, within(0.5));
                assertThat(report.videoFrames()).as("%s has no video", file).isZero();
                assertThat(report.toneLevelDb(DemoMeeting.TILE_TONES_HZ.get(0))).as("%s demo tone", file)
                        .isGreaterThan(20);
            }

            NodeStatus shrunk = awaitStatus(node, status -> status.slotCount().current() == 1
                    && status.idleSlots() == 1, LINGER.plusSeconds(15), "the pool back to its base slot");
            assertThat(Duration.ofNanos(System.nanoTime() - stopped)).as("the extra slots lingered first")
                    .isGreaterThanOrEqualTo(LINGER.minusSeconds(1));
            assertThat(shrunk.slotCount()).isEqualTo(new NodeStatus.SlotCount(1, 3, 1));
            await("the stopped slots' runtime directories removed").atMost(Duration.ofSeconds(15))
                    .until(() -> Leftovers.files(work).size() == 1);
        }
        Leftovers.assertNoneLeft(work);
    }

    private static NodeStatus awaitStatus(Node node, Predicate<NodeStatus> condition, Duration timeout, String what) {
        return await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200))
                .until(node::status, condition);
    }
}
