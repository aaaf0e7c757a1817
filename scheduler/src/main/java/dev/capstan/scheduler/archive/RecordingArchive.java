package dev.capstan.scheduler.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.output.Thumbnail;
import dev.capstan.recorder.slot.CaptureSpan;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
    /** The encoder's last report of each running recording: a failure's outcome does not carry it. */
    private final Map<RecordingId, CaptureProgress> lastProgress = new ConcurrentHashMap<>();
    private final List<Consumer<RecordingEntry>> finishListeners = new CopyOnWriteArrayList<>();
    private final Map<RecordingId, CompletableFuture<Optional<RecordingEntry>>> settled = new ConcurrentHashMap<>();
    private final Map<RecordingId, CompletableFuture<Optional<RecordingEntry>>> salvages = new ConcurrentHashMap<>();
    /** Salvages wait on the store (fetching every segment) and for their upload: never on the finishing thread. */
    private final ExecutorService salvaging = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "archive-salvage");
        thread.setDaemon(true);
        return thread;
    });
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "archive-salvage-heartbeat");
        thread.setDaemon(true);
        return thread;
    });
    /** Writing metadata and thumbnails is short but not free: it must not delay the recorder's own thread. */
    private final ExecutorService finishing = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "archive-finish");
        thread.setDaemon(true);
        return thread;
    });
    private Spool spool;

    /**
     * How a recording ended, kept until its upload completes.
     *
     * @param failure      why it ended other than by a stop, in words (the status detail)
     * @param onFor        how long it was on: the recorder's span, or an estimate when the recorder could not say
     * @param cause        why media is missing, when that is known before the file is measured
     * @param deliveredFps the frame rate its encoder delivered (see {@link DeliveredFps})
     * @param loss         what the measured file lacks, once it has been measured (see {@link LossCheck})
     */
    private record Ending(Instant endedAt, Optional<String> failure, Optional<Duration> onFor,
            Optional<LossCause> cause, Optional<Double> deliveredFps, Optional<MediaLoss> loss) {

        /** The recorder's outcome: a stop or a failure, with the span when the capture had been on. */
        static Ending of(Optional<String> failure, Optional<CaptureSpan> span, Optional<CaptureProgress> last) {
            return new Ending(span.map(CaptureSpan::end).orElse(Instant.now()), failure,
                    span.map(CaptureSpan::length), LossCheck.causeOf(span, failure.isPresent()),
                    last.flatMap(DeliveredFps::whole), Optional.empty());
        }

        /** An ending the recorder did not report (a restart, a vanished node): the cause and the best estimate. */
        static Ending without(Instant endedAt, String failure, LossCause cause, Optional<Duration> onFor) {
            return new Ending(endedAt, Optional.of(failure), onFor, Optional.of(cause), Optional.empty(),
                    Optional.empty());
        }

        Ending measured(Duration file) {
            return new Ending(endedAt, failure, onFor, cause, deliveredFps, LossCheck.check(onFor, cause, file));
        }

        /** The status detail: the failure, and the loss in figures. */
        Optional<String> detail() {
            Optional<String> figures = loss.map(lost -> LossCheck.describe(lost, onFor));
            if (failure.isPresent() && figures.isPresent()) {
                return Optional.of(failure.get() + "; " + figures.get());
            }
            return failure.or(() -> figures);
        }
    }

    RecordingArchive(Catalog catalog, BlobStore store, Supplier<Path> ffmpeg, FinalizeCommand finalizeCommand,
            ObjectMapper json) {
        this.catalog = catalog;
        this.store = store;
        this.ffmpeg = ffmpeg;
        this.finalizeCommand = finalizeCommand;
        this.json = json;
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
        spool = Spool.open(spoolDirectory, store, this, settings);
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
                discard(id);
                gone.add(id);
            }
        }
        for (RecordingId id : spool.interrupted()) {
            if (gone.contains(id)) {
                continue;
            }
            Ending ending;
            if (spool.adopted(id)) {
                // This node was salvaging it: the ending stays the salvage's.
                Optional<RecordingEntry> entry = catalog.find(id);
                String failure = entry.flatMap(salvaged -> salvaged.salvaging().or(salvaged::statusDetail))
                        .orElse("salvaged after its node vanished");
                ending = Ending.without(Instant.now(), failure, LossCause.NODE_LOST,
                        entry.flatMap(RecordingArchive::givenUpAfter));
            } else {
                ending = Ending.without(Instant.now(), INTERRUPTED, LossCause.RECORDER_RESTARTED,
                        onBeforeRestart(spool.directory(id)));
            }
            log.warn("recording {} was interrupted by a restart; keeping what was recorded", id);
            endings.put(id, ending);
            finishing.execute(() -> seal(id));
        }
        spool.resume();
        for (RecordingId id : lost) {
            log.error("recording {} was running but its local files are gone; salvaging what reached the store", id);
            salvage(id, "its local files were lost");
        }
    }

    static final String INTERRUPTED = "interrupted by a restart";

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
     * The best estimate of how long a recording whose node vanished was on: from its start (the request) to when it
     * was given up, or to the end its recorder reported if it had ended. An upper bound: it includes the time the
     * slot took to join, and the time it took to notice the node was gone.
     */
    private static Optional<Duration> givenUpAfter(RecordingEntry entry) {
        return entry.endedAt().map(end -> Duration.between(entry.startedAt(), end)).filter(d -> !d.isNegative());
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
            return Optional.empty(); // deleted: completing the upload removes its objects (see completed)
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
        String appData = json.writeValueAsString(order.appData());
        catalog.create(new NewRecording(order.id(), order.room(), order.meetingUrl().toString(),
                order.sessionId().orElse(null), RecordingMode.FILE, order.requestedAt(), appData, order.partOf()));
        try {
            return spool.begin(order.id(), mediaName(order));
        } catch (IOException | RuntimeException e) {
            catalog.markFailed(order.id(), "the spool directory could not be created: " + e.getMessage());
            throw e;
        }
    }

    /** Jibri's file name: {@code <room>_<yyyy-MM-dd-HH-mm-ss>.mp4}, limited to safe characters. */
    static String mediaName(RecordingOrder order) {
        return baseName(order.room(), order.requestedAt()) + ".mp4";
    }

    /**
     * A salvaged recording's file name: Jibri's with {@code _salvaged}, so that it can never be the object its
     * vanished recorder would have completed, should that node come back and finish its own copy meanwhile.
     */
    static String salvagedName(RecordingEntry entry) {
        return baseName(entry.room().orElse("recording"), entry.startedAt()) + "_salvaged.mp4";
    }

    private static String baseName(String room, Instant startedAt) {
        String safe = room.replaceAll("[^A-Za-z0-9_-]", "_");
        if (safe.length() > 100) {
            safe = safe.substring(0, 100);
        }
        return safe + "_" + STAMP.format(startedAt.atZone(ZoneId.systemDefault()));
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

    /**
     * Hears every recording this process settles, once, as it settles it (ready, partial or failed): what metrics
     * count. Called on the archive's threads; must return quickly.
     */
    public void onFinished(Consumer<RecordingEntry> listener) {
        finishListeners.add(listener);
    }

    /** This process has just settled the recording: listeners hear it, then whoever waits. */
    private void finished(RecordingEntry entry) {
        for (Consumer<RecordingEntry> listener : finishListeners) {
            try {
                listener.accept(entry);
            } catch (RuntimeException e) {
                log.warn("recording {}: a listener failed on its end: {}", entry.id(), e.toString());
            }
        }
        settle(entry);
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
            if (event instanceof SlotEvent.Progress progress) {
                lastProgress.put(id, progress.progress());
            } else if (event instanceof SlotEvent.Stopped stopped) {
                lastProgress.remove(id);
                ended(id, Ending.of(Optional.empty(), Optional.of(stopped.span()), Optional.of(stopped.last())));
            } else if (event instanceof SlotEvent.Failed failed) {
                ended(id, Ending.of(Optional.of(failed.failure().toString()), failed.span(),
                        Optional.ofNullable(lastProgress.remove(id))));
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
        lastProgress.remove(id);
        finished(catalog.markFailed(id, reason));
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
                ending = ending.measured(Duration.ZERO);
                String detail = ending.failure().orElse("nothing was recorded");
                RecordingEntry failed = ending.loss().isPresent() ? catalog.markFailed(id, detail, ending.loss().get())
                        : catalog.markFailed(id, detail);
                spool.discard(id);
                endings.remove(id);
                finished(failed);
                return;
            }
            RecordingEntry entry = catalog.find(id).orElseThrow();
            writeMetadata(entry, directory);
            // The catalog's duration is the file's as players report it, measured from the segments that make it.
            Duration length = FragmentedMp4.playedDuration(SegmentLayout.init(directory), segments);
            ending = ending.measured(length);
            endings.put(id, ending);
            List<String> extras = thumbnail(id, directory, segments, length)
                    ? List.of(METADATA, THUMBNAIL) : List.of(METADATA);
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

    /** Jibri's metadata.json: the meeting URL, the participants seen and the client's file_recording_metadata. */
    private void writeMetadata(RecordingEntry entry, Path directory) throws IOException {
        ObjectNode metadata = json.createObjectNode();
        metadata.put("meeting_url", entry.meetingUrl());
        metadata.set("participants", json.readTree(entry.participantsJson()));
        var fileMetadata = json.readTree(entry.appDataJson()).get("file_recording_metadata");
        if (fileMetadata != null && fileMetadata.isObject()) {
            fileMetadata.fields().forEachRemaining(field -> metadata.set(field.getKey(), field.getValue()));
        }
        if (entry.parent().isPresent()) {
            // Which recording this file continues: a session that moved to another slot after a fault.
            metadata.put("recording_id", entry.parent().get().value());
            metadata.put("part", entry.part());
            metadata.put("part_id", entry.id().value());
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
            finished(settledEntry);
        } else {
            settle(settledEntry);
        }
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
        Ending ending = endings.remove(id);
        String detail = "upload failed: " + reason;
        // Everything it recorded is lost: as long as it was on, or as the file measured when that is not known.
        Optional<Duration> lost = Optional.ofNullable(ending).flatMap(Ending::onFor);
        finished(lost.isPresent()
                ? catalog.markFailed(id, detail, new MediaLoss(LossCause.STORE_FAILED, lost.get()))
                : catalog.markFailed(id, detail));
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
     * settled entry. A salvage that shows no progress for {@value #SALVAGE_STALE_SECONDS} s (its scheduler
     * vanished too) is taken over by the next call. A recording already settled completes at once with its entry,
     * one the catalog does not have with empty.
     *
     * @return completes with the settled entry; fails if the store could not be read (call again later)
     */
    public CompletableFuture<Optional<RecordingEntry>> salvage(RecordingId id, String reason) {
        Objects.requireNonNull(reason, "reason");
        CompletableFuture<Optional<RecordingEntry>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<RecordingEntry>> running = salvages.putIfAbsent(id, mine);
        if (running != null) {
            return running;
        }
        salvaging.execute(() -> {
            try {
                mine.complete(salvageNow(id, reason));
            } catch (Throwable e) {
                log.error("recording {}: salvage failed: {}", id, e.toString());
                mine.completeExceptionally(e);
            } finally {
                salvages.remove(id, mine);
            }
        });
        return mine;
    }

    static final long SALVAGE_STALE_SECONDS = 60;
    private static final Duration SALVAGE_HEARTBEAT = Duration.ofSeconds(15);
    private static final Duration SALVAGE_POLL = Duration.ofMillis(250);

    private Optional<RecordingEntry> salvageNow(RecordingId id, String reason) throws Exception {
        long seenVersion = -1;
        long seenSince = System.nanoTime();
        while (true) {
            Optional<RecordingEntry> found = catalog.find(id);
            if (found.isEmpty() || found.get().status().isFinal()) {
                return found;
            }
            RecordingEntry entry = found.get();
            if (spool.status(id).isPresent()) {
                if (spool.adopted(id)) {
                    return settled(id).get(); // this node's salvage, resumed after a restart
                }
                throw new IllegalStateException("recording " + id + " is recorded on this node; only a recording"
                        + " whose node vanished can be salvaged");
            }
            // Progress shows as new versions (the salvager's heartbeat); it is judged by this clock alone, so
            // hosts whose clocks differ still agree on when a salvage has stalled.
            if (entry.version() != seenVersion) {
                seenVersion = entry.version();
                seenSince = System.nanoTime();
            }
            boolean salvagedElsewhere = entry.salvaging().isPresent();
            boolean stalled = System.nanoTime() - seenSince > TimeUnit.SECONDS.toNanos(SALVAGE_STALE_SECONDS);
            if (!salvagedElsewhere || stalled) {
                Optional<RecordingEntry> taken = catalog.takeOver(id, entry.version(), Instant.now(), reason);
                if (taken.isPresent()) {
                    return salvageTaken(entry, taken.get(), reason);
                }
                continue; // another scheduler moved first: look again
            }
            Thread.sleep(SALVAGE_POLL.toMillis());
        }
    }

    /** This scheduler has taken the recording over: fetch, measure, seal and wait for it to settle. */
    private Optional<RecordingEntry> salvageTaken(RecordingEntry before, RecordingEntry taken, String reason)
            throws Exception {
        RecordingId id = taken.id();
        ScheduledFuture<?> heartbeat = heartbeats.scheduleAtFixedRate(() -> heartbeat(id),
                SALVAGE_HEARTBEAT.toMillis(), SALVAGE_HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        try {
            Path directory;
            try {
                directory = spool.adopt(id, salvagedName(taken));
            } catch (IOException | RuntimeException e) {
                // Without the claim, the next call takes it over at once instead of waiting for it to look stalled.
                catalog.giveUpSalvage(id, "salvage failed, to be tried again: " + e.getMessage());
                throw e;
            }
            List<Path> segments = SegmentLayout.completedSegments(directory);
            if (segments.isEmpty()) {
                Optional<Duration> onFor = givenUpAfter(taken);
                String detail = reason + "; nothing reached the store";
                RecordingEntry failed = onFor.isPresent()
                        ? catalog.markFailed(id, detail, new MediaLoss(LossCause.NODE_LOST, onFor.get()))
                        : catalog.markFailed(id, detail);
                discard(id);
                finished(failed);
                log.warn("recording {}: nothing to salvage: no complete segment had reached {}", id, store.describe());
                return Optional.of(failed);
            }
            Duration length = FragmentedMp4.playedDuration(SegmentLayout.init(directory), segments);
            Optional<Duration> onFor = givenUpAfter(taken);
            // A recording that was still running ended about when its last stored segment did; one that was already
            // being uploaded keeps the end its recorder gave it.
            Instant endedAt = before.status() == RecordingStatus.RECORDING || taken.endedAt().isEmpty()
                    ? taken.startedAt().plus(length) : taken.endedAt().get();
            catalog.setEnded(id, endedAt, length);
            String detail = String.format(Locale.ROOT, "%s; salvaged the %.1f s that had reached the store", reason,
                    length.toMillis() / 1000.0);
            CompletableFuture<Optional<RecordingEntry>> done = settled(id);
            endings.put(id, Ending.without(endedAt, detail, LossCause.NODE_LOST, onFor));
            finishing.execute(() -> seal(id));
            log.info("recording {}: salvaging {} segments ({} s) from {}", id, segments.size(),
                    length.toMillis() / 1000.0, store.describe());
            return done.get();
        } finally {
            heartbeat.cancel(false);
        }
    }

    /** Shows other schedulers that this salvage goes on (a new version); its progress is in the upload status. */
    private void heartbeat(RecordingId id) {
        try {
            catalog.salvageGoesOn(id);
        } catch (RuntimeException e) {
            // Settled or given up meanwhile: the heartbeat is about to be cancelled.
        }
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

    /** Deletes recordings (with their parts) that started before {@code cutoff}; returns how many. */
    public int deleteStartedBefore(Instant cutoff) {
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
        heartbeats.shutdownNow();
        salvaging.shutdownNow();
        finishing.shutdown();
        if (spool != null) {
            spool.close();
        }
        store.close();
    }
}
