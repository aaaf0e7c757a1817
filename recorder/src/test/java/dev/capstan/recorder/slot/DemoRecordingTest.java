package dev.capstan.recorder.slot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.fixture.Leftovers;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.media.RecordingQuality;
import dev.capstan.storage.archive.RecordingId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Records the demo meeting for 10 s with the real Xvfb, PulseAudio, Chromium and FFmpeg, and checks the file as a viewer would. */
@Tag("media")
class DemoRecordingTest {

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void tenSecondsOfTheDemoMeetingPlayAsRecorded() throws Exception {
        Path work = temp.resolve("work");
        List<SlotEvent> events = new CopyOnWriteArrayList<>();
        SlotEvent.Outcome outcome;
        try (PageServer pages = PageServer.start(); Slot slot = new Slot("slot-1", SlotConfig.defaults().withWorkDirectory(work))) {
            RecordingRequest request = RecordingRequest.of(RecordingId.of("demo-10s"), new WebPage(pages.demo()),
                    temp.resolve("recordings/demo-10s")).withMaxDuration(Duration.ofSeconds(10));
            outcome = slot.record(request, events::add).outcome().get(60, TimeUnit.SECONDS);
            assertThat(slot.state()).as("a slot goes back to idle after a recording").isInstanceOf(SlotState.Idle.class);
        }

        assertThat(outcome).isInstanceOf(SlotEvent.Stopped.class);
        assertThat(events).first().isInstanceOf(SlotEvent.Joined.class);
        assertThat(events.get(1)).isInstanceOf(SlotEvent.FirstFrameWritten.class);
        List<CaptureProgress> progress = events.stream().filter(SlotEvent.Progress.class::isInstance)
                .map(e -> ((SlotEvent.Progress) e).progress()).toList();
        assertThat(progress).as("about one progress report a second").hasSizeBetween(7, 13);
        assertThat(progress).extracting(CaptureProgress::frames).isSorted().allMatch(frames -> frames > 0);
        assertThat(progress).extracting(CaptureProgress::bytes).isSorted();
        assertThat(progress.get(progress.size() - 1).bytes()).as("bytes on disk").isPositive();
        assertThat(events).last().isEqualTo(outcome);

        Path file = ((SlotEvent.Stopped) outcome).file().orElseThrow();
        assertThat(file).hasFileName("demo-10s.mp4");
        MediaReport report = RecordingQuality.assertRecordedWell(file, 10);
        assertThat(report.flashes()).as("sync flashes").hasSizeGreaterThanOrEqualTo(8);
        assertThat(report.beeps()).as("sync beeps").hasSizeGreaterThanOrEqualTo(8);

        Leftovers.assertNoneLeft(work);
        assertThat(Files.exists(file.resolveSibling("segments"))).isTrue();
    }
}
