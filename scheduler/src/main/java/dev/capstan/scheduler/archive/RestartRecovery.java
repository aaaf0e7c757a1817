package dev.capstan.scheduler.archive;

import dev.capstan.storage.archive.Catalog;
import dev.capstan.storage.archive.LossCause;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.media.FragmentedMp4;
import dev.capstan.storage.spool.SegmentLayout;
import dev.capstan.storage.spool.Spool;
import dev.capstan.storage.spool.UploadStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks up what an earlier process left in the spool and the catalog, once, as the archive opens: uploads resume,
 * recordings it was making become partial, and ones whose local files are gone are salvaged.
 */
final class RestartRecovery {

    private static final Logger log = LoggerFactory.getLogger(RestartRecovery.class);
    static final String INTERRUPTED = "interrupted by a restart";

    private final Catalog catalog;
    private final Spool spool;
    private final Filing filing;
    private final Salvage salvage;
    private final Deletion deletion;

    RestartRecovery(Catalog catalog, Spool spool, Filing filing, Salvage salvage, Deletion deletion) {
        this.catalog = catalog;
        this.spool = spool;
        this.filing = filing;
        this.salvage = salvage;
        this.deletion = deletion;
    }

    /**
     * Resumes the spool (see {@link RecordingArchive#open(Path, Spool.Settings, boolean)}). An upload whose
     * recording settled elsewhere meanwhile (salvaged by another node while this one was away) is discarded: the
     * catalog's entry is final, and its media must not be replaced under it.
     */
    void resume(boolean sharedCatalog) {
        List<RecordingId> lost = new ArrayList<>();
        // With a shared catalog, running recordings without local files here are other nodes': not even looked up.
        if (!sharedCatalog) {
            Set<RecordingStatus> running = Set.of(RecordingStatus.RECORDING, RecordingStatus.UPLOADING);
            for (RecordingEntry entry : catalog.inStatus(running)) {
                if (!Files.isDirectory(spool.directory(entry.id()))) {
                    lost.add(entry.id());
                }
            }
        }
        Set<RecordingId> gone = new HashSet<>();
        for (RecordingId id : spool.recordings()) {
            Optional<String> settledElsewhere = settledElsewhere(id);
            if (settledElsewhere.isPresent()) {
                log.warn("recording {}: {} while this node was away; its local copy is discarded", id,
                        settledElsewhere.get());
                deletion.discard(id);
                gone.add(id);
            }
        }
        for (RecordingId id : spool.interrupted()) {
            if (gone.contains(id)) {
                continue;
            }
            // One this node was salvaging keeps the salvage's ending.
            Ending ending = spool.adopted(id) ? salvage.resumed(id)
                    : Ending.without(Instant.now(), INTERRUPTED, LossCause.RECORDER_RESTARTED,
                            onBeforeRestart(spool.directory(id)));
            log.warn("recording {} was interrupted by a restart; keeping what was recorded", id);
            filing.ended(id, ending);
        }
        spool.resume();
        for (RecordingId id : lost) {
            log.error("recording {} was running but its local files are gone; salvaging what reached the store", id);
            salvage.salvage(id, "its local files were lost");
        }
    }

    /**
     * The best estimate of how long a recording interrupted by a restart was on, for its lost seconds: the media
     * in its complete segments, plus the time from the last complete segment's last write to the encoder's last
     * write of anything (the segment it was still writing, which is lost). A lower bound: what the encoder still
     * held in memory, and the time between its last write and the kill, are not counted.
     */
    private static Optional<Duration> onBeforeRestart(Path recordingDirectory) {
        try {
            List<Path> complete = SegmentLayout.completedSegments(recordingDirectory);
            if (complete.isEmpty()) {
                return Optional.empty();
            }
            Instant lastComplete = Files.getLastModifiedTime(complete.get(complete.size() - 1)).toInstant();
            Instant lastWrite = lastComplete;
            try (var files = Files.list(SegmentLayout.segmentDirectory(recordingDirectory))) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    Instant written = Files.getLastModifiedTime(file).toInstant();
                    lastWrite = written.isAfter(lastWrite) ? written : lastWrite;
                }
            }
            Duration file = FragmentedMp4.playedDuration(SegmentLayout.init(recordingDirectory), complete);
            return Optional.of(file.plus(Duration.between(lastComplete, lastWrite)));
        } catch (IOException | RuntimeException e) {
            log.warn("recording in {}: how long it was on cannot be told: {}", recordingDirectory, e.toString());
            return Optional.empty();
        }
    }

    /**
     * Why an unfinished upload found in the spool must not go on: its recording settled (or is being salvaged)
     * elsewhere. A completed upload goes on: it only reports its result again.
     */
    private Optional<String> settledElsewhere(RecordingId id) {
        if (spool.status(id).map(status -> status.phase() == UploadStatus.Phase.COMPLETE).orElse(true)) {
            return Optional.empty();
        }
        Optional<RecordingEntry> entry = catalog.find(id);
        if (entry.isEmpty()) {
            return Optional.empty(); // deleted: completing the upload removes its objects (see Filing#completed)
        }
        if (entry.get().status().isFinal() && entry.get().mediaKey().isPresent()) {
            // Final with media of its own: finishing this copy could only replace or orphan media in the store.
            // (A FAILED one has none; its upload goes on as before, for an operator to find in the store.)
            return Optional.of("it became " + entry.get().status() + " elsewhere ("
                    + entry.get().statusDetail().orElse("no detail") + ")");
        }
        if (!spool.adopted(id) && entry.get().salvaging().isPresent()) {
            return Optional.of("another node is salvaging it");
        }
        return Optional.empty();
    }
}
