package dev.capstan.scheduler.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.storage.archive.Catalog;
import dev.capstan.storage.archive.LossCause;
import dev.capstan.storage.archive.MediaLoss;
import dev.capstan.storage.archive.NewRecording;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingMode;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.archive.StoredMedia;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.blob.BlobStoreException;
import dev.capstan.storage.media.FragmentedMp4;
import dev.capstan.storage.spool.ArchivedMedia;
import dev.capstan.storage.spool.SegmentLayout;
import dev.capstan.storage.spool.Spool;
import dev.capstan.storage.spool.SpoolListener;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Files and settles recordings: it files a recording in the catalog when it starts, hears how it ended and, on its
 * own thread, writes {@code metadata.json} and a thumbnail, measures the file (loss, see {@link LossCheck}) and
 * seals the upload; once the upload is complete it settles the recording READY, PARTIAL or FAILED and runs the
 * finalize command. It owns each recording's ending from its end until its upload completes.
 */
final class Filing implements SpoolListener {

    private static final Logger log = LoggerFactory.getLogger(Filing.class);

    private final Catalog catalog;
    private final BlobStore store;
    private final Spool spool;
    private final JibriFiles files;
    private final FinalizeCommand finalizeCommand;
    private final ObjectMapper json;
    private final Settlements settlements;
    private final Deletion deletion;
    private final Map<RecordingId, Ending> endings = new ConcurrentHashMap<>();
    /** The encoder's last report of each running recording: a failure's outcome does not carry it. */
    private final Map<RecordingId, CaptureProgress> lastProgress = new ConcurrentHashMap<>();
    /** The pauses of each running recording that has paused, filed again at every pause and resume. */
    private final Map<RecordingId, RecordingPauses> pauses = new ConcurrentHashMap<>();
    /** Writing metadata and thumbnails is short but not free: it must not delay the recorder's own thread. */
    private final ExecutorService finishing = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "archive-finish");
        thread.setDaemon(true);
        return thread;
    });

    Filing(Catalog catalog, BlobStore store, Spool spool, JibriFiles files, FinalizeCommand finalizeCommand,
            ObjectMapper json, Settlements settlements, Deletion deletion) {
        this.catalog = catalog;
        this.store = store;
        this.spool = spool;
        this.files = files;
        this.finalizeCommand = finalizeCommand;
        this.json = json;
        this.settlements = settlements;
        this.deletion = deletion;
    }

    /** See {@link RecordingArchive#begin}. */
    Path begin(RecordingOrder order) throws IOException {
        String appData = json.writeValueAsString(order.appData());
        catalog.create(new NewRecording(order.id(), order.room(), order.meetingUrl().toString(),
                order.sessionId().orElse(null), RecordingMode.FILE, order.requestedAt(), appData, order.partOf()));
        try {
            return spool.begin(order.id(), JibriFiles.mediaName(order));
        } catch (IOException | RuntimeException e) {
            catalog.markFailed(order.id(), "the spool directory could not be created: " + e.getMessage());
            throw e;
        }
    }

    /** See {@link RecordingArchive#events}. */
    Consumer<SlotEvent> events(RecordingId id) {
        return event -> {
            if (event instanceof SlotEvent.Progress progress) {
                lastProgress.put(id, progress.progress());
            } else if (event instanceof SlotEvent.Stopped stopped) {
                lastProgress.remove(id);
                pauses.remove(id);
                ended(id, Ending.of(Optional.empty(), Optional.of(stopped.span()), Optional.of(stopped.last())));
            } else if (event instanceof SlotEvent.Failed failed) {
                pauses.remove(id);
                ended(id, Ending.of(Optional.of(failed.failure().toString()), failed.span(),
                        Optional.ofNullable(lastProgress.remove(id))));
            } else if (event instanceof SlotEvent.Paused paused) {
                filePauses(id, pauses.merge(id, RecordingPauses.NONE.paused(paused),
                        (before, none) -> before.paused(paused)));
            } else if (event instanceof SlotEvent.Resumed resumed) {
                filePauses(id, pauses.computeIfPresent(id, (key, before) -> before.resumed(resumed)));
            } else if (event instanceof SlotEvent.ParticipantsSeen seen) {
                // On the archive's thread, ahead of the seal that writes them into metadata.json.
                finishing.execute(() -> recordParticipants(id, seen));
            }
        };
    }

    /** On the archive's thread, ahead of the seal that writes them into metadata.json. */
    private void filePauses(RecordingId id, RecordingPauses now) {
        if (now == null) {
            return;
        }
        finishing.execute(() -> {
            try {
                catalog.setPauses(id, now.toJson(json));
            } catch (RuntimeException e) {
                log.warn("recording {}: could not file its pauses: {}", id, e.getMessage());
            }
        });
    }

    /** How the running recording has paused so far; none once it has ended. */
    RecordingPauses pauses(RecordingId id) {
        return pauses.getOrDefault(id, RecordingPauses.NONE);
    }

    private void recordParticipants(RecordingId id, SlotEvent.ParticipantsSeen seen) {
        try {
            catalog.setParticipants(id, json.writeValueAsString(seen.everyoneSeen()));
        } catch (IOException | RuntimeException e) {
            log.warn("recording {}: could not file its participants: {}", id, e.getMessage());
        }
    }

    /** See {@link RecordingArchive#abandon}. */
    void abandon(RecordingId id, String reason) {
        lastProgress.remove(id);
        settlements.finished(catalog.markFailed(id, reason));
        deletion.discard(id);
    }

    /**
     * The recording has ended, as {@code ending} says (its recorder's outcome, or what a restart or a salvage
     * knows): it is sealed on the archive's thread.
     */
    void ended(RecordingId id, Ending ending) {
        endings.put(id, ending);
        finishing.execute(() -> seal(id));
    }

    private void seal(RecordingId id) {
        Ending ending = endings.get(id);
        Path directory = spool.directory(id);
        try {
            List<Path> segments = SegmentLayout.completedSegments(directory);
            if (segments.isEmpty()) {
                ending = ending.measured(Duration.ZERO);
                String detail = ending.failure().orElse("nothing was recorded");
                RecordingEntry failed = ending.loss().isPresent() ? catalog.markFailed(id, detail, ending.loss().get())
                        : catalog.markFailed(id, detail);
                spool.discard(id);
                endings.remove(id);
                settlements.finished(failed);
                return;
            }
            RecordingEntry entry = catalog.find(id).orElseThrow();
            Optional<FiledTracks> tracks = fileTracks(id, directory);
            if (tracks.isPresent()) {
                entry = catalog.setTracks(id, tracks.get().tracks().toJson());
            }
            files.writeMetadata(entry, directory);
            // The catalog's duration is the file's as players report it, measured from the segments that make it.
            Duration length = FragmentedMp4.playedDuration(SegmentLayout.init(directory), segments);
            ending = ending.measured(length);
            endings.put(id, ending);
            List<String> extras = new ArrayList<>(List.of(JibriFiles.METADATA));
            if (files.thumbnail(id, directory, segments, length)) {
                extras.add(JibriFiles.THUMBNAIL);
            }
            tracks.ifPresent(filed -> extras.addAll(filed.files()));
            if (entry.status() == RecordingStatus.RECORDING) {
                // Already UPLOADING when a restart came between this and sealing the spool.
                catalog.markUploading(id, ending.endedAt(), length, ending.deliveredFps().orElse(null),
                        ending.loss().orElse(null), ending.detail().orElse(null));
            }
            ending.loss().ifPresent(loss -> log.warn("recording {} lost media: {}", id,
                    LossCheck.describe(loss, endings.get(id).onFor())));
            spool.seal(id, extras);
        } catch (IOException | RuntimeException e) {
            log.error("recording {}: finishing failed; its segments stay in {}", id, directory, e);
        }
    }

    /**
     * The speaker tracks in the recording's directory, its manifest rewritten without any file that is missing;
     * empty when there are none, or (logged) when their manifest cannot be read: the recording is filed regardless.
     */
    private Optional<FiledTracks> fileTracks(RecordingId id, Path directory) {
        try {
            Optional<FiledTracks> tracks = FiledTracks.in(directory);
            if (tracks.isPresent()) {
                tracks.get().tracks().writeTo(directory);
                log.info("recording {}: {} speaker tracks ({}){}", id, tracks.get().tracks().speakers().size(),
                        tracks.get().tracks().capture().wireName(), tracks.get().tracks().detail().isEmpty() ? ""
                                : ": " + tracks.get().tracks().detail());
            }
            return tracks;
        } catch (IOException | RuntimeException e) {
            log.warn("recording {}: its speaker tracks cannot be filed: {}", id, e.getMessage());
            return Optional.empty();
        }
    }

    @Override
    public void completed(ArchivedMedia media) {
        RecordingId id = media.id();
        Optional<RecordingEntry> entry = catalog.find(id);
        if (entry.isEmpty()) {
            // Deleted while uploading: the objects follow it.
            deletion.deleteObjects(id);
            deletion.discard(id);
            return;
        }
        Ending ending = endings.remove(id);
        String thumbnailKey = media.extraKeys().stream().filter(key -> key.endsWith(JibriFiles.THUMBNAIL)).findFirst()
                .orElse(null);
        RecordingEntry settledEntry = entry.get();
        if (settledEntry.status().isFinal() && settledEntry.mediaKey().isPresent()
                && !settledEntry.mediaKey().get().equals(media.mediaKey())) {
            // Settled elsewhere while this upload went on (salvaged after this node was given up): the catalog's
            // entry is final and names other media, so this copy would only be an orphan in the store.
            log.warn("recording {} settled elsewhere as {}; removing this node's late copy {}", id,
                    settledEntry.status(), media.mediaKey());
            try {
                store.delete(media.mediaKey());
            } catch (BlobStoreException e) {
                log.warn("recording {}: could not remove {}: {}", id, media.mediaKey(), e.getMessage());
            }
        }
        boolean settledHere = false;
        if (!settledEntry.status().isFinal()) {
            Optional<MediaLoss> loss;
            String detail;
            if (ending != null) {
                loss = ending.loss();
                detail = ending.detail().orElse(null);
            } else {
                // Sealed by an earlier process (the ending went with it): the catalog kept what it measured. One
                // sealed by a version that kept no loss said what went wrong in its detail alone.
                detail = settledEntry.salvaging().or(settledEntry::statusDetail).orElse(null);
                loss = settledEntry.loss().or(() -> Optional.ofNullable(detail)
                        .map(unmeasured -> new MediaLoss(LossCause.RECORDER_RESTARTED, Duration.ZERO)));
            }
            String location = store.describe() + "/" + media.mediaKey();
            StoredMedia stored = new StoredMedia(location, media.mediaKey(), media.size(), media.sha256(), thumbnailKey);
            settledEntry = loss.isEmpty() ? catalog.markReady(id, stored)
                    : catalog.markPartial(id, stored, detail, loss.get());
            settledHere = true;
            log.info("recording {} is {} at {} ({} bytes)", id, loss.isEmpty() ? "ready" : "partial", location,
                    media.size());
        }
        if (settledHere) {
            settlements.finished(settledEntry);
        } else {
            settlements.settle(settledEntry);
        }
        Path directory = spool.directory(id);
        if (finalizeCommand.configured()) {
            // Off the spool's threads: preparing the directory writes the whole file.
            finishing.execute(() -> finalizeCommand.run(id, JibriFiles.finalizeDirectory(store, media, directory))
                    .whenComplete((code, error) -> deletion.discard(id)));
        } else {
            deletion.discard(id);
        }
    }

    @Override
    public void failed(RecordingId id, String reason) {
        Ending ending = endings.remove(id);
        String detail = "upload failed: " + reason;
        // Everything it recorded is lost: as long as it was on, or as the file measured when that is not known.
        Optional<Duration> lost = Optional.ofNullable(ending).flatMap(Ending::onFor);
        settlements.finished(lost.isPresent()
                ? catalog.markFailed(id, detail, new MediaLoss(LossCause.STORE_FAILED, lost.get()))
                : catalog.markFailed(id, detail));
    }

    /** Lets the work already handed to the archive's thread finish; takes no more. */
    void close() {
        finishing.shutdown();
    }
}
