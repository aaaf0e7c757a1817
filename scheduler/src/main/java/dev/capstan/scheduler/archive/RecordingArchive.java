package dev.capstan.scheduler.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capstan.recorder.output.Thumbnail;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.storage.archive.Catalog;
import dev.capstan.storage.archive.NewRecording;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingMode;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.archive.StoredMedia;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.blob.BlobStoreException;
import dev.capstan.storage.blob.LocalBlobStore;
import dev.capstan.storage.media.FragmentedMp4;
import dev.capstan.storage.spool.ArchivedMedia;
import dev.capstan.storage.spool.SegmentLayout;
import dev.capstan.storage.spool.Spool;
import dev.capstan.storage.spool.SpoolListener;
import dev.capstan.storage.spool.UploadStatus;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The archive's side of a recording's life: it files the recording in the catalog when it starts, spools its
 * segments into the store while it runs and, once the recorder is done, writes Jibri's {@code metadata.json} and a
 * thumbnail, seals the upload, marks the recording ready and runs the finalize command. None of this holds a
 * slot: the recorder has released it before the first upload of the end begins.
 */
public final class RecordingArchive implements SpoolListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RecordingArchive.class);
    static final String METADATA = "metadata.json";
    static final String THUMBNAIL = "thumbnail.jpg";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss");

    private final Catalog catalog;
    private final BlobStore store;
    private final Supplier<Path> ffmpeg;
    private final FinalizeCommand finalizeCommand;
    private final ObjectMapper json;
    private final Map<RecordingId, Ending> endings = new ConcurrentHashMap<>();
    private final Map<RecordingId, CompletableFuture<Optional<RecordingEntry>>> settled = new ConcurrentHashMap<>();
    /** Writing metadata and thumbnails is short but not free: it must not delay the recorder's own thread. */
    private final ExecutorService finishing = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "archive-finish");
        thread.setDaemon(true);
        return thread;
    });
    private Spool spool;

    /** How a recording ended, kept until its upload completes. */
    private record Ending(Instant endedAt, Optional<Duration> length, Optional<String> failure) {
    }

    RecordingArchive(Catalog catalog, BlobStore store, Supplier<Path> ffmpeg, FinalizeCommand finalizeCommand,
            ObjectMapper json) {
        this.catalog = catalog;
        this.store = store;
        this.ffmpeg = ffmpeg;
        this.finalizeCommand = finalizeCommand;
        this.json = json;
    }

    /** Opens the spool; uploads left by an earlier process resume, and recordings it was making become partial. */
    void open(Path spoolDirectory, Spool.Settings settings) throws IOException {
        spool = Spool.open(spoolDirectory, store, this, settings);
        for (RecordingEntry entry : catalog.inStatus(java.util.Set.of(RecordingStatus.RECORDING, RecordingStatus.UPLOADING))) {
            if (!Files.isDirectory(spool.directory(entry.id()))) {
                log.error("recording {} was {} but its local files are gone", entry.id(), entry.status());
                catalog.markFailed(entry.id(), "its local files were lost before they reached the store");
            }
        }
        for (RecordingId id : spool.interrupted()) {
            log.warn("recording {} was interrupted by a restart; keeping what was recorded", id);
            endings.put(id, new Ending(Instant.now(), Optional.empty(), Optional.of("interrupted by a restart")));
            finishing.execute(() -> seal(id));
        }
        spool.resume();
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
     * Files a recording that is about to start and opens its spool directory.
     *
     * @return the directory the recorder writes its segments into
     */
    public Path begin(RecordingOrder order) throws IOException {
        String appData = json.writeValueAsString(order.appData());
        catalog.create(new NewRecording(order.id(), order.room(), order.meetingUrl().toString(),
                order.sessionId().orElse(null), RecordingMode.FILE, order.requestedAt(), appData));
        try {
            return spool.begin(order.id(), mediaName(order));
        } catch (IOException | RuntimeException e) {
            catalog.markFailed(order.id(), "the spool directory could not be created: " + e.getMessage());
            throw e;
        }
    }

    /** Jibri's file name: {@code <room>_<yyyy-MM-dd-HH-mm-ss>.mp4}, limited to safe characters. */
    static String mediaName(RecordingOrder order) {
        String room = order.room().replaceAll("[^A-Za-z0-9_-]", "_");
        if (room.length() > 100) {
            room = room.substring(0, 100);
        }
        return room + "_" + STAMP.format(order.requestedAt().atZone(ZoneId.systemDefault())) + ".mp4";
    }

    /**
     * Completes when the recording has settled in the archive: ready, partial or failed. A recording settled
     * before this call completes at once with its catalog entry, one the catalog does not have with empty.
     */
    public CompletableFuture<Optional<RecordingEntry>> settled(RecordingId id) {
        // Waiting first, then looking: a recording that settles in between still completes the future.
        CompletableFuture<Optional<RecordingEntry>> future = settled.computeIfAbsent(id,
                key -> new CompletableFuture<>());
        Optional<RecordingEntry> entry = catalog.find(id);
        if (entry.isEmpty() || entry.get().status().isFinal()) {
            settled.remove(id, future);
            future.complete(entry);
        }
        return future;
    }

    /** Completes whoever waits for the recording to settle, with its final entry. */
    private void settle(RecordingEntry entry) {
        CompletableFuture<Optional<RecordingEntry>> future = settled.remove(entry.id());
        if (future != null) {
            future.complete(Optional.of(entry));
        }
    }

    /** The listener to pass to the node with the recording's request. */
    public Consumer<SlotEvent> events(RecordingId id) {
        return event -> {
            if (event instanceof SlotEvent.Stopped stopped) {
                ended(id, new Ending(Instant.now(), Optional.of(stopped.last().recorded()), Optional.empty()));
            } else if (event instanceof SlotEvent.Failed failed) {
                ended(id, new Ending(Instant.now(), Optional.empty(), Optional.of(failed.failure().toString())));
            } else if (event instanceof SlotEvent.ParticipantsSeen seen) {
                // On the archive's thread, ahead of the seal that writes them into metadata.json.
                finishing.execute(() -> recordParticipants(id, seen));
            }
        };
    }

    private void recordParticipants(RecordingId id, SlotEvent.ParticipantsSeen seen) {
        try {
            catalog.setParticipants(id, json.writeValueAsString(seen.everyoneSeen()));
        } catch (IOException | RuntimeException e) {
            log.warn("recording {}: could not file its participants: {}", id, e.getMessage());
        }
    }

    /** The recording could not even start (for example, the node was busy): nothing was recorded. */
    public void abandon(RecordingId id, String reason) {
        settle(catalog.markFailed(id, reason));
        try {
            spool.discard(id);
        } catch (IOException e) {
            log.warn("recording {}: could not remove its spool directory: {}", id, e.getMessage());
        }
    }

    private void ended(RecordingId id, Ending ending) {
        endings.put(id, ending);
        finishing.execute(() -> seal(id));
    }

    private void seal(RecordingId id) {
        Ending ending = endings.get(id);
        Path directory = spool.directory(id);
        try {
            List<Path> segments = SegmentLayout.completedSegments(directory);
            if (segments.isEmpty()) {
                RecordingEntry failed = catalog.markFailed(id, ending.failure().orElse("nothing was recorded"));
                spool.discard(id);
                endings.remove(id);
                settle(failed);
                return;
            }
            RecordingEntry entry = catalog.find(id).orElseThrow();
            writeMetadata(entry, directory);
            // Without the encoder's own figure (after a failure or a restart), count 2-s segments.
            Duration length = ending.length().orElse(Duration.ofSeconds(2L * segments.size()));
            List<String> extras = thumbnail(id, directory, segments, length)
                    ? List.of(METADATA, THUMBNAIL) : List.of(METADATA);
            if (entry.status() == RecordingStatus.RECORDING) {
                // Already UPLOADING when a restart came between this and sealing the spool.
                catalog.markUploading(id, ending.endedAt(), length, ending.failure().orElse(null));
            }
            spool.seal(id, extras);
        } catch (IOException | RuntimeException e) {
            log.error("recording {}: finishing failed; its segments stay in {}", id, directory, e);
        }
    }

    /** Jibri's metadata.json: the meeting URL, the participants seen and the client's file_recording_metadata. */
    private void writeMetadata(RecordingEntry entry, Path directory) throws IOException {
        ObjectNode metadata = json.createObjectNode();
        metadata.put("meeting_url", entry.meetingUrl());
        metadata.set("participants", json.readTree(entry.participantsJson()));
        var fileMetadata = json.readTree(entry.appDataJson()).get("file_recording_metadata");
        if (fileMetadata != null && fileMetadata.isObject()) {
            fileMetadata.fields().forEachRemaining(field -> metadata.set(field.getKey(), field.getValue()));
        }
        Path temp = directory.resolve(METADATA + ".tmp");
        json.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), metadata);
        Files.move(temp, directory.resolve(METADATA), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private boolean thumbnail(RecordingId id, Path directory, List<Path> segments, Duration total) {
        // Two seconds in shows the meeting rather than its first, often blank, frame.
        Duration at = total.compareTo(Duration.ofSeconds(4)) < 0 ? total.dividedBy(2) : Duration.ofSeconds(2);
        try {
            Thumbnail.extract(ffmpeg.get(), SegmentLayout.init(directory), segments, at, directory.resolve(THUMBNAIL));
            return true;
        } catch (IOException | RuntimeException e) {
            log.warn("recording {}: no thumbnail: {}", id, e.getMessage());
            return false;
        }
    }

    @Override
    public void completed(ArchivedMedia media) {
        RecordingId id = media.id();
        Optional<RecordingEntry> entry = catalog.find(id);
        if (entry.isEmpty()) {
            // Deleted while uploading: the objects follow it.
            deleteObjects(id);
            discard(id);
            return;
        }
        Ending ending = endings.remove(id);
        String thumbnailKey = media.extraKeys().stream().filter(key -> key.endsWith(THUMBNAIL)).findFirst().orElse(null);
        RecordingEntry settledEntry = entry.get();
        if (!settledEntry.status().isFinal()) {
            String failure = ending != null ? ending.failure().orElse(null) : settledEntry.statusDetail().orElse(null);
            String location = store.describe() + "/" + media.mediaKey();
            StoredMedia stored = new StoredMedia(location, media.mediaKey(), media.size(), media.sha256(), thumbnailKey);
            settledEntry = failure == null ? catalog.markReady(id, stored) : catalog.markPartial(id, stored, failure);
            log.info("recording {} is {} at {} ({} bytes)", id, failure == null ? "ready" : "partial", location,
                    media.size());
        }
        settle(settledEntry);
        Path directory = spool.directory(id);
        if (finalizeCommand.configured()) {
            // Off the spool's threads: preparing the directory writes the whole file.
            finishing.execute(() -> finalizeCommand.run(id, finalizeDirectory(id, media, directory))
                    .whenComplete((code, error) -> discard(id)));
        } else {
            discard(id);
        }
    }

    /**
     * Jibri's scripts expect the media file and metadata.json in one local directory. A local store has exactly
     * that; for S3 the spool directory gets the MP4, composed from the local segments into the very bytes the
     * store holds, without downloading it.
     */
    private Path finalizeDirectory(RecordingId id, ArchivedMedia media, Path spoolDirectory) {
        if (store instanceof LocalBlobStore local) {
            Optional<Path> file = local.localFile(media.mediaKey());
            if (file.isPresent()) {
                return file.get().getParent();
            }
        }
        Path target = spoolDirectory.resolve(media.mediaKey().substring(media.mediaKey().lastIndexOf('/') + 1));
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(target))) {
            FragmentedMp4.compose(SegmentLayout.init(spoolDirectory), SegmentLayout.completedSegments(spoolDirectory),
                    out);
        } catch (IOException e) {
            log.warn("recording {}: could not write the media for the finalize command: {}", id, e.getMessage());
        }
        return spoolDirectory;
    }

    @Override
    public void failed(RecordingId id, String reason) {
        endings.remove(id);
        settle(catalog.markFailed(id, "upload failed: " + reason));
    }

    /** The upload's live state, while the spool has it. */
    public Optional<UploadStatus> upload(RecordingId id) {
        return spool.status(id);
    }

    /**
     * Deletes a recording: its catalog entry, its objects and any local files.
     *
     * @return false if there is no such recording
     * @throws IllegalStateException while it is still being recorded
     */
    public boolean delete(RecordingId id) throws BlobStoreException {
        Optional<RecordingEntry> entry = catalog.find(id);
        if (entry.isEmpty()) {
            return false;
        }
        if (entry.get().status() == RecordingStatus.RECORDING) {
            throw new IllegalStateException("recording " + id + " is still being recorded; stop it first");
        }
        store.deleteAll(id.value() + "/");
        catalog.delete(id);
        if (spool.status(id).map(status -> status.phase() != UploadStatus.Phase.STREAMING).orElse(true)) {
            discard(id);
        }
        log.info("recording {} deleted", id);
        return true;
    }

    /** Deletes recordings that started before {@code cutoff}; returns how many. */
    public int deleteStartedBefore(Instant cutoff) {
        int deleted = 0;
        for (RecordingEntry entry : catalog.startedBefore(cutoff, 100)) {
            if (entry.status() == RecordingStatus.RECORDING || entry.status() == RecordingStatus.UPLOADING) {
                continue;
            }
            try {
                if (delete(entry.id())) {
                    deleted++;
                }
            } catch (BlobStoreException | RuntimeException e) {
                log.warn("retention: recording {} could not be deleted now: {}", entry.id(), e.getMessage());
            }
        }
        return deleted;
    }

    private void deleteObjects(RecordingId id) {
        try {
            store.deleteAll(id.value() + "/");
        } catch (BlobStoreException e) {
            log.warn("recording {}: its objects could not be deleted: {}", id, e.getMessage());
        }
    }

    private void discard(RecordingId id) {
        try {
            spool.discard(id);
        } catch (IOException e) {
            log.warn("recording {}: could not remove its spool directory: {}", id, e.getMessage());
        }
    }

    @Override
    public void close() {
        finishing.shutdown();
        if (spool != null) {
            spool.close();
        }
        store.close();
    }
}
