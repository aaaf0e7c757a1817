package dev.capstan.recorder.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.fixture.CpuHog;
import dev.capstan.recorder.fixture.Leftovers;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.media.PageClock;
import dev.capstan.recorder.media.RecordingQuality;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.spool.SegmentLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pauses a recording of the demo meeting for 5 s between 6 s and 9 s of media, beside a hog, and checks that the
 * file plays as one recording of the 15 s that were on, and that no frame in it was drawn during the pause (the
 * page's clock strip dates every frame).
 */
@Tag("media")
class PauseResumeTest {

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aPausedRecordingIsOneFileWithoutThePause() throws Exception {
        Path work = temp.resolve("work");
        Path directory = temp.resolve("recordings/paused");
        List<SlotEvent> events = new CopyOnWriteArrayList<>();
        Instant pauseAsked;
        Instant pauseAnswered;
        Instant resumeAsked;
        SlotEvent.Paused paused;
        SlotEvent.Resumed resumed;
        SlotEvent.Outcome outcome;
        try (CpuHog hog = CpuHog.steady(1.0); PageServer pages = PageServer.start();
                Slot slot = new Slot("slot-1", SlotConfig.defaults().withWorkDirectory(work))) {
            RecordingRequest request = RecordingRequest.of(RecordingId.of("paused"), new WebPage(pages.demo()),
                    directory);
            Recording recording = slot.record(request, events::add);
            awaitFirstFrame(events);

            assertThatThrownBy(recording::resume).as("resuming a recording that is not paused")
                    .isInstanceOfSatisfying(PauseRefusedException.class, e ->
                            assertThat(e.reason()).isEqualTo(PauseRefusedException.Reason.NOT_PAUSED));
            Thread.sleep(6_000);
            pauseAsked = Instant.now();
            paused = recording.pause(Duration.ofMinutes(1));
            pauseAnswered = Instant.now();
            assertThat(recording.pausedSince()).isPresent();
            assertThatThrownBy(() -> recording.pause(Duration.ofMinutes(1))).as("pausing twice")
                    .isInstanceOfSatisfying(PauseRefusedException.class, e ->
                            assertThat(e.reason()).isEqualTo(PauseRefusedException.Reason.ALREADY_PAUSED));
            List<Path> segmentsAtPause = SegmentLayout.completedSegments(directory);
            assertThat(recording.captureProcess()).as("no encoder runs while paused").isEmpty();

            Thread.sleep(5_000);
            assertThat(SegmentLayout.completedSegments(directory)).as("nothing is written while paused")
                    .isEqualTo(segmentsAtPause);
            resumeAsked = Instant.now();
            resumed = recording.resume();
            assertThat(recording.pausedSince()).isEmpty();
            Thread.sleep(9_000);
            outcome = recording.stop().get(60, TimeUnit.SECONDS);
            assertThat(slot.state()).as("the slot is reused").isInstanceOf(SlotState.Idle.class);
        }

        assertThat(paused.position().toMillis()).as("media at the pause, ms").isBetween(5_000L, 7_500L);
        assertThat(resumed.position()).as("the resumed media continues where the pause left it")
                .isEqualTo(paused.position());
        assertThat(resumed.pausedFor().toMillis()).as("pause, ms").isBetween(5_000L, 7_000L);
        assertThat(events).filteredOn(e -> e instanceof SlotEvent.Paused || e instanceof SlotEvent.Resumed)
                .containsExactly(paused, resumed);

        assertThat(outcome).isInstanceOf(SlotEvent.Stopped.class);
        SlotEvent.Stopped stopped = (SlotEvent.Stopped) outcome;
        CaptureSpan span = stopped.span();
        assertThat(span.paused()).isEqualTo(resumed.pausedFor());
        double expected = span.length().toMillis() / 1000.0;
        assertThat(expected).as("seconds the recording was on").isBetween(14.0, 17.5);
        assertThat(stopped.last().recorded().toMillis() / 1000.0).as("progress counts the media of both runs")
                .isCloseTo(expected, offset(1.0));
        Path file = stopped.file().orElseThrow();
        List<PageClock.Shown> frames = PageClock.read(file);
        assertThat(frames.size()).as("frames whose clock reads").isGreaterThan((int) (stopped.last().frames() * 0.9));
        assertThat(PageClock.between(frames, pauseAnswered.plusMillis(300), resumeAsked.minusMillis(500)))
                .as("frames drawn during the pause").isEmpty();
        assertThat(PageClock.nearest(frames, pauseAsked).toMillis()).as("the last frame before the pause, ms away")
                .isLessThan(1_000);
        assertThat(PageClock.nearest(frames, resumed.at()).toMillis()).as("the first frame after it, ms away")
                .isLessThan(1_000);
        for (int i = 1; i < frames.size(); i++) {
            assertThat(frames.get(i).clock()).as("frames are in the order they were drawn")
                    .isAfterOrEqualTo(frames.get(i - 1).clock());
        }

        MediaReport report = RecordingQuality.assertRecordedWell(file, expected);
        assertThat(report.flashes()).as("sync flashes on both sides of the pause").hasSizeGreaterThanOrEqualTo(12);

        assertThat(directory.resolve("resumed-1")).as("the resumed run's staging is cleared").doesNotExist();
        assertThat(Files.exists(directory.resolve("capture-1.log"))).as("the resumed encoder's own log").isTrue();
        Leftovers.assertNoneLeft(work);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aPauseLongerThanAllowedEndsTheRecordingAtThePause() throws Exception {
        Path work = temp.resolve("work");
        Path directory = temp.resolve("recordings/abandoned");
        List<SlotEvent> events = new CopyOnWriteArrayList<>();
        SlotEvent.Paused paused;
        SlotEvent.Outcome outcome;
        Instant endedAt;
        try (PageServer pages = PageServer.start();
                Slot slot = new Slot("slot-1", SlotConfig.defaults().withWorkDirectory(work))) {
            Recording recording = slot.record(RecordingRequest.of(RecordingId.of("abandoned"),
                    new WebPage(pages.demo()), directory), events::add);
            awaitFirstFrame(events);
            Thread.sleep(4_000);
            paused = recording.pause(Duration.ofSeconds(2));
            outcome = recording.outcome().get(30, TimeUnit.SECONDS);
            endedAt = Instant.now();
            assertThatThrownBy(recording::resume).as("resuming an ended recording")
                    .isInstanceOfSatisfying(PauseRefusedException.class, e ->
                            assertThat(e.reason()).isEqualTo(PauseRefusedException.Reason.NOT_CAPTURING));
        }

        assertThat(outcome).isInstanceOfSatisfying(SlotEvent.Stopped.class, stopped -> {
            assertThat(stopped.cause()).isEqualTo(StopCause.PAUSED_TOO_LONG);
            assertThat(stopped.span().end()).as("the recording ends at its pause").isEqualTo(paused.at());
            assertThat(stopped.span().paused()).isZero();
        });
        SlotEvent.Stopped stopped = (SlotEvent.Stopped) outcome;
        assertThat(Duration.between(paused.at(), endedAt).toMillis()).as("ended after the allowed pause, ms")
                .isBetween(2_000L, 8_000L);
        double length = stopped.span().length().toMillis() / 1000.0;
        assertThat(MediaReport.of(stopped.file().orElseThrow()).duration()).as("the file holds what came before the pause")
                .isCloseTo(length, offset(0.5));
        assertThat(paused.position().toMillis() / 1000.0).isCloseTo(length, offset(0.5));
    }

    private static void awaitFirstFrame(List<SlotEvent> events) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (events.stream().noneMatch(SlotEvent.FirstFrameWritten.class::isInstance)) {
            assertThat(events).noneMatch(SlotEvent.Outcome.class::isInstance);
            assertThat(System.nanoTime()).as("first frame within 60 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
