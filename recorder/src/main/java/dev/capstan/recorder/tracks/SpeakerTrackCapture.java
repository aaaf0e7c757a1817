package dev.capstan.recorder.tracks;

import dev.capstan.recorder.browser.Browser;
import dev.capstan.recorder.browser.MeetingPage;
import dev.capstan.recorder.browser.PageTracks;
import dev.capstan.recorder.browser.TrackOffer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.openqa.selenium.WebDriverException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each speaker's sound for one recording, from the page to the files: taken about once a second on the recording's
 * own thread, checkpointed every few seconds, finished when the recording ends. Whatever goes wrong here is
 * reported in the status and the manifest; it never stops the composite recording.
 */
public final class SpeakerTrackCapture {

    private static final Logger log = LoggerFactory.getLogger(SpeakerTrackCapture.class);
    private static final Duration TAKE_INTERVAL = Duration.ofSeconds(1);
    private static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(5);

    private final String recording;
    private final Path directory;
    private final Optional<PageTracks> page;
    private final Optional<SpeakerTrackWriter> writer;
    private final Consumer<TrackCaptureStatus> statusChanged;
    private TrackCaptureStatus status;
    private long nextTake = System.nanoTime();
    private long nextCheckpoint = System.nanoTime() + CHECKPOINT_INTERVAL.toNanos();
    private boolean pageFinished;

    private SpeakerTrackCapture(String recording, Path directory, Optional<PageTracks> page,
            Optional<SpeakerTrackWriter> writer, TrackCaptureStatus status, Consumer<TrackCaptureStatus> changed) {
        this.recording = recording;
        this.directory = directory;
        this.page = page;
        this.writer = writer;
        this.status = status;
        this.statusChanged = changed;
        changed.accept(status);
    }

    /**
     * Starts taking the joined page's tracks; a page without them is recorded as always, and the status says so.
     *
     * @param directory  the recording's directory
     * @param soundDelay how much later than the page plays it the composite recording places sound
     * @param changed    hears the status now and whenever it changes
     */
    public static SpeakerTrackCapture start(String recording, MeetingPage meeting, Browser browser, Path directory,
            Duration soundDelay, Consumer<TrackCaptureStatus> changed) {
        TrackOffer offer;
        try {
            offer = meeting.tracks(browser);
        } catch (WebDriverException e) {
            offer = new TrackOffer.Refused("the page did not let its tracks be taken: " + Browser.firstLine(e));
        }
        if (offer instanceof TrackOffer.Refused refused) {
            log.info("recording {}: no speaker tracks, {}", recording, refused.why());
            writeQuietly(recording, directory, SpeakerTracks.notOffered(refused.why()));
            return new SpeakerTrackCapture(recording, directory, Optional.empty(), Optional.empty(),
                    new TrackCaptureStatus(SpeakerTracks.Capture.NOT_OFFERED, 0, refused.why()), changed);
        }
        PageTracks tracks = ((TrackOffer.Offered) offer).tracks();
        try {
            SpeakerTrackWriter writer = new SpeakerTrackWriter(recording, directory, soundDelay);
            return new SpeakerTrackCapture(recording, directory, Optional.of(tracks), Optional.of(writer),
                    writer.status(), changed);
        } catch (IOException e) {
            String why = "the track files cannot be written: " + e.getMessage();
            writeQuietly(recording, directory, new SpeakerTracks(SpeakerTracks.Capture.FAILED, why,
                    List.of(), List.of()));
            return new SpeakerTrackCapture(recording, directory, Optional.empty(), Optional.empty(),
                    new TrackCaptureStatus(SpeakerTracks.Capture.FAILED, 0, why), changed);
        }
    }

    public TrackCaptureStatus status() {
        return status;
    }

    /** Takes what the page holds when a second has passed, and checkpoints the manifest every few seconds. */
    public void takeIfDue(Instant on) {
        if (!capturing() || System.nanoTime() - nextTake < 0) {
            return;
        }
        nextTake = System.nanoTime() + TAKE_INTERVAL.toNanos();
        SpeakerTrackWriter files = writer.get();
        try {
            files.accept(page.get().take());
            if (System.nanoTime() - nextCheckpoint >= 0) {
                nextCheckpoint = System.nanoTime() + CHECKPOINT_INTERVAL.toNanos();
                files.checkpoint(on, Instant.now());
            }
        } catch (WebDriverException e) {
            files.failed("the page stopped giving its tracks: " + Browser.firstLine(e));
        } catch (IOException | RuntimeException e) {
            files.failed("the track files could not be written: " + e.getMessage());
        }
        report();
    }

    /** Ends the capture in the page and takes the rest; before the page is left. Bounded by the script timeout. */
    public void finishPage() {
        if (pageFinished || !capturing()) {
            pageFinished = true;
            return;
        }
        pageFinished = true;
        try {
            writer.get().accept(page.get().finish());
        } catch (WebDriverException e) {
            log.warn("recording {}: the last second of each speaker's sound could not be taken: {}", recording,
                    Browser.firstLine(e));
        } catch (IOException | RuntimeException e) {
            writer.get().failed("the track files could not be written: " + e.getMessage());
        }
        report();
    }

    /** Makes the files final and writes the manifest; after the slot is released. Empty when nothing was taken. */
    public Optional<SpeakerTracks> finish(Path ffmpeg, Instant on, Instant end) {
        if (writer.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(writer.get().finish(ffmpeg, on, end));
        } catch (IOException | RuntimeException e) {
            log.error("recording {}: the speaker tracks could not be made final; what was taken stays in {}",
                    recording, directory.resolve(SpeakerTracks.DIRECTORY), e);
            return Optional.empty();
        }
    }

    private boolean capturing() {
        return writer.isPresent() && writer.get().status().capture() == SpeakerTracks.Capture.CAPTURED;
    }

    private void report() {
        TrackCaptureStatus now = writer.orElseThrow().status();
        if (!now.equals(status)) {
            status = now;
            if (now.capture() == SpeakerTracks.Capture.FAILED) {
                log.warn("recording {}: speaker tracks stopped, the recording goes on: {}", recording, now.detail());
            }
            statusChanged.accept(now);
        }
    }

    private static void writeQuietly(String recording, Path directory, SpeakerTracks tracks) {
        try {
            tracks.writeTo(directory);
        } catch (IOException e) {
            log.warn("recording {}: could not write {}: {}", recording, SpeakerTracks.MANIFEST, e.getMessage());
        }
    }
}
