package dev.capstan.scheduler.recording;

import dev.capstan.recorder.browser.MeetingPage;
import dev.capstan.recorder.live.LiveOutput;
import dev.capstan.recorder.live.LiveSettings;
import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.recorder.tracks.TrackCaptureStatus;
import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.scheduler.archive.RecordingOrder;
import dev.capstan.scheduler.plan.Part;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.util.FileSystemUtils;

/**
 * Starts recordings on this host's node with the archive attached: the catalog entry exists before the slot is
 * claimed, segments stream to the store while it records, and the final file follows its end. A live stream that
 * keeps no file bypasses the archive: it works in a scratch directory that goes when it ends.
 */
@Service
public class Recordings {

    private static final Logger log = LoggerFactory.getLogger(Recordings.class);

    private final Node node;
    private final RecordingArchive archive;
    private final StreamingProperties streaming;
    private final LiveSettings liveSettings;
    private final MeetingPages pages;
    private final Map<RecordingId, Recording> running = new ConcurrentHashMap<>();
    /** How the capture of each speaker's sound goes, for recordings that asked for it, until they are settled. */
    private final Map<RecordingId, TrackCaptureStatus> tracks = new ConcurrentHashMap<>();

    public Recordings(Node node, RecordingArchive archive, StreamingProperties streaming, LiveSettings liveSettings,
            MeetingPages pages) {
        this.node = node;
        this.archive = archive;
        this.streaming = streaming;
        this.liveSettings = liveSettings;
        this.pages = pages;
    }

    /**
     * Starts one part of a plan on this host's node.
     *
     * @param listener also hears the recorder's events (joined, on, progress, streams, outcome)
     * @param maxWait  how long to queue for a free slot; zero refuses at once when busy
     * @return completes once a slot has taken the recording, or fails with the node's reason
     * @throws IOException              when the archive cannot file it
     * @throws IllegalArgumentException when this host cannot open its meeting (an unknown Jibri environment)
     */
    public CompletableFuture<Recording> start(RecordingPlan plan, Part part, Duration maxWait,
            Consumer<SlotEvent> listener) throws IOException {
        MeetingPage page = pages.page(plan);
        boolean archived = plan.recordsFile();
        RecordingOrder order = plan.order(part.number(), part.id());
        Path directory = archived ? archive.begin(order) : scratchDirectory(part.id());
        RecordingRequest request = RecordingRequest.segmentsOnly(part.id(), page, directory);
        // A later part gets what is left of the recording's limit.
        Optional<Duration> limit = part.number() == 1 ? plan.maxDuration() : plan.timeLeft(Instant.now());
        if (limit.isPresent()) {
            request = request.withMaxDuration(limit.get());
        }
        if (plan.autoStop().isPresent()) {
            request = request.withAutoStop(plan.autoStop().get());
        }
        if (!plan.streams().isEmpty()) {
            request = request.withLive(new LiveOutput(plan.streams(), liveSettings, archived));
        }
        if (plan.size().isPresent()) {
            request = request.withSize(plan.size().get());
        }
        if (plan.audioOnly()) {
            request = request.audioOnly();
        }
        if (plan.speakerTracks()) {
            request = request.withSpeakerTracks();
        }
        Consumer<SlotEvent> events = archived ? archive.events(part.id()).andThen(listener) : listener;
        if (plan.speakerTracks()) {
            events = keepingTrackCapture(part.id()).andThen(events);
        }
        CompletableFuture<Recording> started = node.record(request, events, maxWait);
        started.whenComplete((recording, error) -> {
            if (error != null) {
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                if (archived) {
                    archive.abandon(part.id(), "not started: " + cause.getMessage());
                } else {
                    deleteQuietly(directory);
                }
                return;
            }
            running.put(part.id(), recording);
            recording.outcome().whenComplete((outcome, ignored) -> {
                running.remove(part.id());
                if (!archived) {
                    deleteQuietly(directory);
                }
            });
        });
        return started;
    }

    /** Keeps the last word on a recording's speaker tracks until the archive has filed them. */
    private Consumer<SlotEvent> keepingTrackCapture(RecordingId id) {
        archive.settled(id).whenComplete((entry, error) -> tracks.remove(id));
        return event -> {
            if (event instanceof SlotEvent.TracksChanged changed) {
                tracks.put(id, changed.status());
            }
        };
    }

    /**
     * How the capture of each speaker's sound goes for a recording running here (or ending, until the archive has
     * filed its tracks); empty when it asked for none or the recorder has not said yet.
     */
    public Optional<TrackCaptureStatus> trackCapture(RecordingId id) {
        return Optional.ofNullable(tracks.get(id));
    }

    /** A recording that is running now. */
    public Optional<Recording> running(RecordingId id) {
        return Optional.ofNullable(running.get(id));
    }

    /**
     * Completes once the recording is settled: archived (ready, partial or failed) with its catalog entry, or for a
     * live stream without file, ended (empty).
     */
    public CompletableFuture<Optional<RecordingEntry>> settled(RecordingId id) {
        Recording recording = running.get(id);
        return archive.settled(id).thenCompose(entry -> entry.isPresent() || recording == null
                ? CompletableFuture.completedFuture(entry)
                : recording.outcome().thenApply(outcome -> Optional.<RecordingEntry>empty()));
    }

    private Path scratchDirectory(RecordingId id) throws IOException {
        return Files.createDirectories(streaming.workDirectory().resolve(id.value()));
    }

    private static void deleteQuietly(Path directory) {
        try {
            FileSystemUtils.deleteRecursively(directory);
        } catch (IOException e) {
            log.debug("could not delete {}: {}", directory, e.toString());
        }
    }

    public RecordingArchive archive() {
        return archive;
    }
}
