package dev.capstan.scheduler.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.storage.archive.Catalog;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.blob.BlobStoreException;
import dev.capstan.storage.spool.ArchivedMedia;
import dev.capstan.storage.spool.Spool;
import dev.capstan.storage.spool.SpoolListener;
import dev.capstan.storage.spool.UploadStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The archive's side of a recording's life: it files the recording in the catalog when it starts, spools its
 * segments into the store while it runs and, once the recorder is done, writes Jibri's {@code metadata.json} and a
 * thumbnail, seals the upload, marks the recording ready and runs the finalize command. None of this holds a
 * slot: the recorder has released it before the first upload of the end begins.
 *
 * <p>A facade over the archive's owners: {@link Filing} (filing, sealing and settling what this node records, on
 * its finishing thread), {@link Salvage} (recordings of vanished nodes, on its own threads), {@link Deletion}
 * (deletion and retention) and {@link Settlements} (who waits for a recording to settle).
 */
public final class RecordingArchive implements SpoolListener, AutoCloseable {

    private final Catalog catalog;
    private final BlobStore store;
    private final JibriFiles files;
    private final FinalizeCommand finalizeCommand;
    private final ObjectMapper json;
    private final Settlements settlements;
    // Made once by open(): they need the spool, and the spool needs this as its listener. Nothing runs before.
    private Spool spool;
    private Deletion deletion;
    private Filing filing;
    private Salvage salvage;

    RecordingArchive(Catalog catalog, BlobStore store, Supplier<Path> ffmpeg, FinalizeCommand finalizeCommand,
            ObjectMapper json) {
        this.catalog = catalog;
        this.store = store;
        this.files = new JibriFiles(json, ffmpeg);
        this.finalizeCommand = finalizeCommand;
        this.json = json;
        this.settlements = new Settlements(catalog);
    }

    /** Opens the spool of a node that is alone with its catalog: see {@link #open(Path, Spool.Settings, boolean)}. */
    void open(Path spoolDirectory, Spool.Settings settings) throws IOException {
        open(spoolDirectory, settings, false);
    }

    /**
     * Opens the spool; uploads left by an earlier process resume, and recordings it was making become partial.
     * An upload whose recording settled elsewhere meanwhile (salvaged by another node while this one was away) is
     * discarded: the catalog's entry is final, and its media must not be replaced under it.
     *
     * @param sharedCatalog whether other nodes record into the same catalog: then a running recording without
     *                      local files here is theirs and left alone; else it was this node's, its local files
     *                      were lost, and what reached the store is salvaged
     */
    void open(Path spoolDirectory, Spool.Settings settings, boolean sharedCatalog) throws IOException {
        // The spool calls this listener only once resumed, by which time every owner below exists.
        spool = Spool.open(spoolDirectory, store, this, settings);
        deletion = new Deletion(catalog, store, spool);
        filing = new Filing(catalog, store, spool, files, finalizeCommand, json, settlements, deletion);
        salvage = new Salvage(catalog, store, spool, filing, settlements, deletion);
        new RestartRecovery(catalog, spool, filing, salvage, deletion).resume(sharedCatalog);
    }

    public Spool spool() {
        return spool;
    }

    public BlobStore store() {
        return store;
    }

    public Catalog catalog() {
        return catalog;
    }

    /**
     * Files a recording that is about to start and opens its spool directory. An order for a later part of a
     * session ({@link RecordingOrder#partOf}) is filed below its parent, which must be in the catalog.
     *
     * @return the directory the recorder writes its segments into
     */
    public Path begin(RecordingOrder order) throws IOException {
        return filing.begin(order);
    }

    /** The listener to pass to the node with the recording's request. */
    public Consumer<SlotEvent> events(RecordingId id) {
        return filing.events(id);
    }

    /** How a recording running here has paused so far (none once it has ended: the catalog has them then). */
    public RecordingPauses pauses(RecordingId id) {
        return filing.pauses(id);
    }

    /** The recording could not even start (for example, the node was busy): nothing was recorded. */
    public void abandon(RecordingId id, String reason) {
        filing.abandon(id, reason);
    }

    /**
     * Completes when the recording has settled in the archive: ready, partial or failed. A recording settled
     * before this call completes at once with its catalog entry, one the catalog does not have with empty.
     */
    public CompletableFuture<Optional<RecordingEntry>> settled(RecordingId id) {
        return settlements.settled(id);
    }

    /**
     * Hears every recording this process settles, once, as it settles it (ready, partial or failed): what metrics
     * count. Called on the archive's threads; must return quickly.
     */
    public void onFinished(Consumer<RecordingEntry> listener) {
        settlements.onFinished(listener);
    }

    @Override
    public void completed(ArchivedMedia media) {
        filing.completed(media);
    }

    @Override
    public void failed(RecordingId id, String reason) {
        filing.failed(id, reason);
    }

    /**
     * Salvages a recording whose recorder vanished with its node: what had reached the store (its segments, a few
     * seconds behind the recording) becomes its final MP4, and it settles as PARTIAL with {@code reason} and the
     * length kept (for example "node node-1 vanished; continued in part 2"), or FAILED when no complete segment had
     * reached the store. It stays one catalog entry with the parts that continue it.
     *
     * <p><b>Only for a recording whose node is gone</b> (it left the pool, and its sessions are being moved):
     * called for one that another node still records, it would end that recording's entry early and join its media
     * while segments still come. A recording this node spools itself is refused ({@link IllegalStateException}).
     *
     * <p>Safe to call more than once and from several schedulers at once: one of them takes the recording over in
     * the catalog (a compare-and-set on its version) and salvages it, and every call completes with the same
     * settled entry. A salvage that shows no progress for {@value Salvage#SALVAGE_STALE_SECONDS} s (its scheduler
     * vanished too) is taken over by the next call. A recording already settled completes at once with its entry,
     * one the catalog does not have with empty.
     *
     * @return completes with the settled entry; fails if the store could not be read (call again later)
     */
    public CompletableFuture<Optional<RecordingEntry>> salvage(RecordingId id, String reason) {
        return salvage.salvage(id, reason);
    }

    /** The upload's live state, while the spool has it. */
    public Optional<UploadStatus> upload(RecordingId id) {
        return spool.status(id);
    }

    /**
     * Deletes a recording: its catalog entry, its objects and any local files, with its later parts (and theirs)
     * when it is a session's top-level recording.
     *
     * @return false if there is no such recording
     * @throws IllegalStateException while it or one of its parts is still being recorded
     */
    public boolean delete(RecordingId id) throws BlobStoreException {
        return deletion.delete(id);
    }

    /** Deletes recordings (with their parts) that started before {@code cutoff}; returns how many. */
    public int deleteStartedBefore(Instant cutoff) {
        return deletion.deleteStartedBefore(cutoff);
    }

    @Override
    public void close() {
        if (salvage != null) {
            salvage.close();
            filing.close();
        }
        if (spool != null) {
            spool.close();
        }
        store.close();
    }
}
