package dev.capstan.recorder.slot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.fixture.Leftovers;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.storage.archive.RecordingId;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
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

/**
 * Each kind of bad input ends the recording with a {@link SlotEvent.Failed} that names the cause, and leaves no
 * process and no runtime file behind. A bad page does not cost the warm slot: the next recording works.
 * Real Xvfb, PulseAudio, Chromium and FFmpeg.
 */
@Tag("media")
class BadInputTest {

    private static final Path MISSING_CHROMIUM = Path.of("/nonexistent/chromium");
    private static final Path MISSING_FFMPEG = Path.of("/nonexistent/ffmpeg");

    @TempDir
    Path temp;

    private final List<SlotEvent> events = new CopyOnWriteArrayList<>();

    private RecordingRequest request(String id, URI address) {
        return RecordingRequest.of(RecordingId.of(id), new WebPage(address), temp.resolve("recordings").resolve(id));
    }

    private SlotEvent.Outcome recordAndWait(Slot slot, RecordingRequest request) throws Exception {
        events.clear();
        return slot.record(request, events::add).outcome().get(60, TimeUnit.SECONDS);
    }

    /** Asserts a failure with nothing recorded and no other event, and returns it. */
    private Failure failedWith(SlotEvent.Outcome outcome, Failure.Reason reason) {
        assertThat(outcome).isInstanceOf(SlotEvent.Failed.class);
        SlotEvent.Failed failed = (SlotEvent.Failed) outcome;
        System.out.println("outcome: " + failed.failure());
        assertThat(failed.failure().reason()).as("reason of %s", failed.failure()).isEqualTo(reason);
        assertThat(failed.partialFile()).as("nothing was recorded").isEmpty();
        assertThat(events).as("the failure is the only event").containsExactly(outcome);
        return failed.failure();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aBadPageFailsTheRecordingButNotTheWarmSlot() throws Exception {
        Path work = temp.resolve("work");
        SlotConfig config = SlotConfig.defaults().withWorkDirectory(work).withPageLoadTimeout(Duration.ofSeconds(3));
        try (PageServer pages = PageServer.start(); Slot slot = new Slot("slot-pages", config)) {
            slot.warmUp();
            long xvfb = slot.display().orElseThrow().pid();

            URI nowhere = PageServer.unreachable();
            Failure unreachable = failedWith(recordAndWait(slot, request("unreachable", nowhere)),
                    Failure.Reason.PAGE_UNREACHABLE);
            assertThat(unreachable.detail()).contains(nowhere.toString()).contains("ERR_CONNECTION_REFUSED");
            assertThat(unreachable.reason().isCallersFault()).as("another slot would not do better").isTrue();
            assertThat(slot.state()).isInstanceOf(SlotState.Idle.class);

            long asked = System.nanoTime();
            Failure stalled = failedWith(recordAndWait(slot, request("stalling", pages.stalling())),
                    Failure.Reason.PAGE_TIMEOUT);
            Duration waited = Duration.ofNanos(System.nanoTime() - asked);
            assertThat(stalled.detail()).contains(pages.stalling().toString()).contains("within 3 s");
            assertThat(waited).as("gave up after the configured 3 s, not the default 30 s")
                    .isBetween(Duration.ofSeconds(3), Duration.ofSeconds(15));
            assertThat(slot.state()).isInstanceOf(SlotState.Idle.class);

            SlotEvent.Outcome demo = recordAndWait(slot,
                    request("after-bad-pages", pages.demo()).withMaxDuration(Duration.ofSeconds(3)));
            assertThat(demo).as("the slot still records").isInstanceOf(SlotEvent.Stopped.class);
            assertThat(slot.display().orElseThrow().pid()).as("the same warm display was used, not a new one")
                    .isEqualTo(xvfb);
            assertThat(slot.state()).isInstanceOf(SlotState.Idle.class);
            MediaReport report = MediaReport.of(((SlotEvent.Stopped) demo).file().orElseThrow());
            System.out.println(report);
            assertThat(report.duration()).as("duration").isBetween(2.5, 3.5);
            assertThat(report.hasPicture()).as("picture is not black or flat").isTrue();
        }
        Leftovers.assertNoneLeft(work);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aDisplayNumberInUseFailsWithDisplayFailed() throws Exception {
        Path work = temp.resolve("work");
        // Another X server holds a display; the parent-death signal keeps it from outliving a crashed test.
        Process other = new ProcessBuilder("/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "/usr/bin/Xvfb", "-displayfd", "1", "-screen", "0", "320x240x24",
                "-nolisten", "tcp").redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String reported = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8))
                    .readLine();
            assertThat(reported).as("the other X server's display number").isNotNull();
            int taken = Integer.parseInt(reported.trim());

            try (PageServer pages = PageServer.start();
                 Slot slot = new Slot("slot-display", SlotConfig.defaults().withWorkDirectory(work).withDisplayNumber(taken))) {
                Failure failure = failedWith(recordAndWait(slot, request("display-taken", pages.demo())),
                        Failure.Reason.DISPLAY_FAILED);
                assertThat(failure.detail()).contains("display :" + taken).contains("already running");
                assertThat(slot.state()).isInstanceOf(SlotState.Broken.class);
                assertThat(slot.display()).isEmpty();
            }
            assertThat(other.isAlive()).as("the X server that had the display is left alone").isTrue();
        } finally {
            other.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        Leftovers.assertNoneLeft(work);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMissingChromiumFailsWithBrowserMissing() throws Exception {
        Path work = temp.resolve("work");
        try (PageServer pages = PageServer.start();
             Slot slot = new Slot("slot-no-chromium", SlotConfig.defaults().withWorkDirectory(work).withChromium(MISSING_CHROMIUM))) {
            Failure failure = failedWith(recordAndWait(slot, request("no-chromium", pages.demo())),
                    Failure.Reason.BROWSER_MISSING);
            assertThat(failure.detail()).contains("chromium").contains(MISSING_CHROMIUM.toString());
            assertThat(slot.state()).isInstanceOf(SlotState.Broken.class);
            assertThat(Leftovers.processes()).as("display and sound are stopped at once, not at close").isEmpty();
        }
        Leftovers.assertNoneLeft(work);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aMissingFfmpegFailsWithCaptureMissingBeforeAnythingStarts() throws Exception {
        Path work = temp.resolve("work");
        try (PageServer pages = PageServer.start();
             Slot slot = new Slot("slot-no-ffmpeg", SlotConfig.defaults().withWorkDirectory(work).withFfmpeg(MISSING_FFMPEG))) {
            Failure failure = failedWith(recordAndWait(slot, request("no-ffmpeg", pages.demo())),
                    Failure.Reason.CAPTURE_MISSING);
            assertThat(failure.detail()).contains("ffmpeg").contains(MISSING_FFMPEG.toString());
            assertThat(slot.state()).as("never warmed: no display, sound or browser was started")
                    .isInstanceOf(SlotState.Cold.class);
            assertThat(slot.display()).isEmpty();
            assertThat(Leftovers.processes()).as("processes started for a recording that cannot capture").isEmpty();
        }
        Leftovers.assertNoneLeft(work);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anUnwritableOutputDirectoryFailsWithOutputUnwritableBeforeAnythingStarts() throws Exception {
        Path work = temp.resolve("work");
        // The tests run as root, so permissions would not stop a write; a regular file in the path does.
        Path blocker = Files.writeString(temp.resolve("blocker"), "not a directory");
        Path output = blocker.resolve("rec");
        try (PageServer pages = PageServer.start(); Slot slot = new Slot("slot-output", SlotConfig.defaults().withWorkDirectory(work))) {
            RecordingRequest request = RecordingRequest.of(RecordingId.of("unwritable"), new WebPage(pages.demo()), output);
            Failure failure = failedWith(recordAndWait(slot, request), Failure.Reason.OUTPUT_UNWRITABLE);
            assertThat(failure.detail()).contains(output.toString());
            assertThat(slot.state()).as("never warmed: no display, sound or browser was started")
                    .isInstanceOf(SlotState.Cold.class);
            assertThat(Leftovers.processes()).as("processes started for a recording that cannot be written").isEmpty();
        }
        Leftovers.assertNoneLeft(work);
        assertThat(blocker).as("the file in the way is untouched").hasContent("not a directory");
    }
}
