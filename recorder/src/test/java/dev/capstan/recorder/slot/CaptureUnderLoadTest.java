package dev.capstan.recorder.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.demo.DemoMeeting;
import dev.capstan.recorder.fixture.CpuHog;
import dev.capstan.recorder.fixture.Leftovers;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.storage.archive.RecordingId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host short of CPU loses frames, never time: each file lasts as long as its recording was on, its picture never
 * freezes for long, its sound is whole, the frame rate reported is the one in the file, and a stop drains the
 * encoder instead of killing it. Real Xvfb, PulseAudio, Chromium and FFmpeg on a host that cannot keep up.
 */
@Tag("media")
class CaptureUnderLoadTest {

    /** How far a file's duration may be from its recording's on→stop time. */
    private static final double SPAN_TOLERANCE_SECONDS = 0.5;
    private static final double LONGEST_FREEZE_SECONDS = 0.5;

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aMinuteBesideAHogKeepsEverySecond() throws Exception {
        Path work = temp.resolve("work");
        try (CpuHog hog = CpuHog.steady(1.5); PageServer pages = PageServer.start();
             Slot slot = new Slot("slot-hog", SlotConfig.defaults().withWorkDirectory(work))) {
            Recorded recorded = record(slot, pages, "beside-hog", Duration.ofSeconds(60));
            System.out.println(recorded);
            assertHonest(recorded);
            assertThat(recorded.file().longestFrameGap()).as("longest time between two frames, s")
                    .isLessThanOrEqualTo(LONGEST_FREEZE_SECONDS);
            for (int tone : DemoMeeting.TILE_TONES_HZ) {
                assertThat(recorded.file().toneLevelDb(tone)).as("tile tone %d Hz above the noise floor", tone)
                        .isGreaterThan(20);
            }
            assertThat(recorded.file().beeps().size()).as("a sync beep every second, none lost")
                    .isGreaterThanOrEqualTo(58);
        }
        Leftovers.assertNoneLeft(work);
    }

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void threeRecordingsOnTwoCoresEachKeepTheirTime() throws Exception {
        Path work = temp.resolve("work");
        List<Slot> slots = new ArrayList<>();
        try (PageServer pages = PageServer.start()) {
            for (int i = 1; i <= 3; i++) {
                slots.add(new Slot("slot-" + i, SlotConfig.defaults().withWorkDirectory(work.resolve("s" + i))));
            }
            List<CompletableFuture<Recorded>> runs = new ArrayList<>();
            for (int i = 0; i < slots.size(); i++) {
                Slot slot = slots.get(i);
                String name = "three-" + (i + 1);
                runs.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return record(slot, pages, name, Duration.ofSeconds(25));
                    } catch (Exception e) {
                        throw new IllegalStateException(name + " failed", e);
                    }
                }));
            }
            for (CompletableFuture<Recorded> run : runs) {
                Recorded recorded = run.get(200, TimeUnit.SECONDS);
                System.out.println(recorded);
                assertHonest(recorded);
            }
        } finally {
            slots.forEach(Slot::close);
        }
        for (int i = 1; i <= 3; i++) {
            Leftovers.assertNoneLeft(work.resolve("s" + i));
        }
    }

    /** One recording, stopped {@code length} after its first frame, with its file decoded. */
    record Recorded(String name, CaptureSpan span, CaptureProgress last, Duration stopToOutcome, MediaReport file) {

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: span %.2f s (%s), stop→outcome %d ms, reported %d frames, %.2f fps"
                            + " average, %.2f fps delivered lately, %d dropped, %d duplicated; file %s", name,
                    span.length().toMillis() / 1000.0, span.encoderEnd().wireName(), stopToOutcome.toMillis(),
                    last.frames(), last.averageFps(), last.deliveredFps(), last.droppedFrames(),
                    last.duplicatedFrames(), file);
        }
    }

    private static Recorded record(Slot slot, PageServer pages, String name, Duration length) throws Exception {
        Path output = slot.config().workDirectory().resolveSibling("recordings").resolve(name);
        CompletableFuture<Void> on = new CompletableFuture<>();
        Recording recording = slot.record(RecordingRequest.of(RecordingId.of(name), new WebPage(pages.demo()), output),
                event -> {
                    if (event instanceof SlotEvent.FirstFrameWritten) {
                        on.complete(null);
                    }
                });
        on.get(120, TimeUnit.SECONDS);
        Thread.sleep(length.toMillis());
        long stopAt = System.nanoTime();
        SlotEvent.Outcome outcome = recording.stop().get(60, TimeUnit.SECONDS);
        Duration stopToOutcome = Duration.ofNanos(System.nanoTime() - stopAt);
        assertThat(outcome).as("%s outcome", name).isInstanceOf(SlotEvent.Stopped.class);
        SlotEvent.Stopped stopped = (SlotEvent.Stopped) outcome;
        return new Recorded(name, stopped.span(), stopped.last(), stopToOutcome,
                MediaReport.of(stopped.file().orElseThrow()));
    }

    private static void assertHonest(Recorded recorded) {
        MediaReport file = recorded.file();
        String name = recorded.name();
        assertThat(recorded.span().encoderEnd()).as("%s: the stop drained the encoder, no kill", name)
                .isEqualTo(CaptureSpan.EncoderEnd.DRAINED);
        assertThat(file.duration()).as("%s: the file lasts as long as the recording was on", name)
                .isCloseTo(recorded.span().length().toMillis() / 1000.0, within(SPAN_TOLERANCE_SECONDS));
        assertThat(file.hasPicture()).as("%s: picture", name).isTrue();
        CaptureProgress last = recorded.last();
        assertThat(last.duplicatedFrames()).as("%s: no frame is invented", name).isZero();
        assertThat((double) file.videoFrames()).as("%s: frames in the file against frames reported", name)
                .isCloseTo(last.frames(), within(Math.max(3, last.frames() * 0.02)));
        assertThat(last.averageFps()).as("%s: the reported frame rate is the file's", name)
                .isCloseTo(file.averageFps(), within(file.averageFps() * 0.05));
        assertThat(last.deliveredFps()).as("%s: the recent rate reported is a real rate", name)
                .isGreaterThan(0).isLessThanOrEqualTo(31);
    }
}
