package dev.capstan.scheduler.archive;

import dev.capstan.storage.archive.Catalog;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.blob.BlobStoreException;
import dev.capstan.storage.spool.Spool;
import dev.capstan.storage.spool.UploadStatus;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what the archive keeps of recordings: on request, by retention ({@link ArchiveRetention} calls
 * {@link #deleteStartedBefore}), and the local copies and objects the others no longer need. Holds no state.
 */
final class Deletion {

    private static final Logger log = LoggerFactory.getLogger(Deletion.class);

    private final Catalog catalog;
    private final BlobStore store;
    private final Spool spool;

    Deletion(Catalog catalog, BlobStore store, Spool spool) {
        this.catalog = catalog;
        this.store = store;
        this.spool = spool;
    }

    /** See {@link RecordingArchive#delete}. */
    boolean delete(RecordingId id) throws BlobStoreException {
        Optional<RecordingEntry> entry = catalog.find(id);
        if (entry.isEmpty()) {
            return false;
        }
        delete(id, entry.get().parent().isPresent() ? List.of(entry.get()) : catalog.parts(id));
        return true;
    }

    /** Deletes {@code id}, given {@code doomed}: itself, and its later parts when it is a top-level recording. */
    private void delete(RecordingId id, List<RecordingEntry> doomed) throws BlobStoreException {
        for (RecordingEntry member : doomed) {
            if (member.status() == RecordingStatus.RECORDING) {
                throw new IllegalStateException(member.id().equals(id)
                        ? "recording " + id + " is still being recorded; stop it first"
                        : "part " + member.part() + " of recording " + id + " (" + member.id()
                                + ") is still being recorded; stop it first");
            }
        }
        for (RecordingEntry member : doomed) {
            store.deleteAll(member.id().value() + "/");
        }
        catalog.delete(id);
        for (RecordingEntry member : doomed) {
            if (spool.status(member.id()).map(status -> status.phase() != UploadStatus.Phase.STREAMING).orElse(true)) {
                discard(member.id());
            }
        }
        log.info("recording {} deleted{}", id, doomed.size() > 1 ? " with its " + (doomed.size() - 1) + " later parts" : "");
    }

    /** See {@link RecordingArchive#deleteStartedBefore}. */
    int deleteStartedBefore(Instant cutoff) {
        int deleted = 0;
        for (RecordingEntry entry : catalog.startedBefore(cutoff, 100)) {
            // A session whose later part still runs is kept whole until it has settled; none: deleted meanwhile.
            List<RecordingEntry> session = catalog.parts(entry.id());
            if (session.isEmpty() || session.stream().anyMatch(member -> !member.status().isFinal())) {
                continue;
            }
            try {
                delete(entry.id(), session);
                deleted++;
            } catch (BlobStoreException | RuntimeException e) {
                log.warn("retention: recording {} could not be deleted now: {}", entry.id(), e.getMessage());
            }
        }
        return deleted;
    }

    /** The recording's objects in the store, for one deleted from the catalog while it was uploading. */
    void deleteObjects(RecordingId id) {
        try {
            store.deleteAll(id.value() + "/");
        } catch (BlobStoreException e) {
            log.warn("recording {}: its objects could not be deleted: {}", id, e.getMessage());
        }
    }

    /** The recording's local files, once nothing needs them. */
    void discard(RecordingId id) {
        try {
            spool.discard(id);
        } catch (IOException e) {
            log.warn("recording {}: could not remove its spool directory: {}", id, e.getMessage());
        }
    }
}
