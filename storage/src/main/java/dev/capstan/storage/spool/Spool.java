package dev.capstan.storage.spool;

import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.blob.BlobStoreException;
import dev.capstan.storage.media.FragmentedMp4;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.FileSystemUtils;

/**
 * Local disk between the recorder and the store. A recording writes its segments into its spool directory; the
 * spool streams them into the {@link BlobStore} as they appear and, once the recording is sealed, completes the
 * final object there. When the store fails, segments simply stay here and are retried with backoff; after a
 * restart, {@link #open} finds every unfinished upload and continues it. Local files are removed only by
 * {@link #discard}, after the owner has recorded the result.
 */
public final class Spool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    /** Local read errors are retried a few times (a full disk may clear), then the upload fails. */
    private static final int LOCAL_ERROR_ATTEMPTS = 5;

    /**
     * @param scanInterval  how often a running recording's directory is checked for new segments
     * @param partSize      the size parts of the final object are cut to (at least the store's minimum)
     * @param firstRetry    the wait after the store's first failure; it doubles on each further failure
     * @param longestRetry  the longest wait between attempts, which bounds how late a recovered store is noticed
     */
    public record Settings(Duration scanInterval, long partSize, Duration firstRetry, Duration longestRetry, int threads) {

        public static Settings defaults() {
            return new Settings(Duration.ofMillis(500), 8L << 20, Duration.ofMillis(500), Duration.ofSeconds(5), 2);
        }
    }

    private final Path root;
    private final BlobStore store;
    private final SpoolListener listener;
    private final Settings settings;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private final Map<RecordingId, SpooledUpload> uploads = new ConcurrentHashMap<>();
    private final Map<RecordingId, ScheduledFuture<?>> nextSteps = new ConcurrentHashMap<>();
    private final List<RecordingId> interrupted = new ArrayList<>();

    private Spool(Path root, BlobStore store, SpoolListener listener, Settings settings, Clock clock) {
        this.root = root;
        this.store = store;
        this.listener = listener;
        this.settings = settings;
        this.clock = clock;
        this.executor = Executors.newScheduledThreadPool(settings.threads(), runnable -> {
            Thread thread = new Thread(runnable, "spool-upload");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Opens the spool under {@code root} and finds every upload an earlier process left there. Nothing runs until
     * {@link #resume()}, so the owner can finish wiring first.
     */
    public static Spool open(Path root, BlobStore store, SpoolListener listener, Settings settings) throws IOException {
        Files.createDirectories(root);
        Spool spool = new Spool(root, store, listener, settings, Clock.systemUTC());
        spool.findUploads();
        return spool;
    }

    /**
     * Continues the uploads found at {@link #open}: unfinished ones go on, finished ones are reported to the
     * listener again (the process may have stopped before their owner recorded them).
     */
    public void resume() {
        for (SpooledUpload upload : uploads.values()) {
            if (upload.finished()) {
                // The only time a completion is reported again: nothing else reports a finished upload.
                upload.completedMedia().ifPresent(media -> executor.execute(() -> report(media)));
            } else {
                schedule(upload, Duration.ZERO);
            }
        }
    }

    private void findUploads() throws IOException {
        List<Path> directories;
        try (Stream<Path> entries = Files.list(root)) {
            directories = entries.filter(Files::isDirectory).sorted(Comparator.naturalOrder()).toList();
        }
        for (Path directory : directories) {
            RecordingId id;
            try {
                id = RecordingId.of(directory.getFileName().toString());
            } catch (IllegalArgumentException e) {
                continue;
            }
            Optional<UploadJournal> journal;
            try {
                journal = UploadJournal.read(directory);
            } catch (IOException | RuntimeException e) {
                log.error("recording {}: unreadable upload journal in {}; left as it is: {}", id, directory, e.toString());
                continue;
            }
            if (journal.isEmpty()) {
                continue;
            }
            SpooledUpload upload = new SpooledUpload(id, directory, store, journal.get(), false, settings.partSize(),
                    clock);
            uploads.put(id, upload);
            if (!upload.sealed()) {
                interrupted.add(id);
            }
            log.info("recording {}: resuming its upload from {} ({})", id, directory,
                    upload.finished() ? "complete" : upload.sealed() ? "sealed" : "interrupted while recording");
        }
    }

    /** Recordings that were still being made when the previous process stopped; their owner should seal them. */
    public List<RecordingId> interrupted() {
        return List.copyOf(interrupted);
    }

    /** Every recording this spool has: uploads found at {@link #open}, begun or adopted since, not yet discarded. */
    public Set<RecordingId> recordings() {
        return Set.copyOf(uploads.keySet());
    }

    /** The directory a recording's producer writes into. */
    public Path directory(RecordingId id) {
        return root.resolve(id.value());
    }

    /**
     * Starts spooling a recording: creates its directory and begins streaming segments as they appear.
     *
     * @param mediaName the final object's file name, e.g. {@code room_2026-11-22-10-00-00.mp4}
     * @return the directory the producer writes into
     */
    public Path begin(RecordingId id, String mediaName) throws IOException {
        Path directory = directory(id);
        if (uploads.containsKey(id) || Files.exists(directory.resolve(UploadJournal.FILE))) {
            throw new IllegalStateException("recording " + id + " is already spooled");
        }
        Files.createDirectories(SegmentLayout.segmentDirectory(directory));
        SpooledUpload upload = new SpooledUpload(id, directory, store, UploadJournal.create(directory, mediaName),
                true, settings.partSize(), clock);
        uploads.put(id, upload);
        schedule(upload, settings.scanInterval());
        return directory;
    }

    /**
     * Takes over a recording whose producer vanished with its host (its node died mid-recording): fetches what had
     * reached the store under {@code <id>/segments/} (the header, and the complete segments from the first on up to
     * the first one missing or unreadable) into a fresh directory here, and spools it as if it had been recorded
     * here. The caller then {@link #seal}s it and the final object is joined as for any recording, under
     * {@code <id>/<mediaName>}, with the segment objects deleted once it is complete; segments already in the store
     * are not sent again.
     *
     * <p>Only for a recording nobody records any more: a producer still writing segments into the store would race
     * the join and the final deletion.
     *
     * @return the directory, holding the fetched segments: none when no complete segment had reached the store
     *         (then there is nothing to seal, and the caller {@link #discard}s it)
     * @throws IllegalStateException if this spool already has the recording
     * @throws IOException           if the store (a {@link BlobStoreException}) or the local disk failed; nothing is
     *                               kept here then
     */
    public Path adopt(RecordingId id, String mediaName) throws IOException {
        Path directory = directory(id);
        if (uploads.containsKey(id) || Files.exists(directory.resolve(UploadJournal.FILE))) {
            throw new IllegalStateException("recording " + id + " is already spooled");
        }
        // A fetch that an earlier process did not finish left no journal: it starts again.
        FileSystemUtils.deleteRecursively(directory);
        Path segments = Files.createDirectories(SegmentLayout.segmentDirectory(directory));
        try {
            int fetched = fetchSegments(id, segments);
            SpooledUpload upload = new SpooledUpload(id, directory, store,
                    UploadJournal.create(directory, mediaName, true), false, settings.partSize(), clock);
            uploads.put(id, upload);
            schedule(upload, settings.scanInterval());
            log.info("recording {}: adopted {} segments from {}", id, fetched, store.describe());
            return directory;
        } catch (IOException | RuntimeException e) {
            FileSystemUtils.deleteRecursively(directory);
            throw e;
        }
    }

    /** Whether the recording's segments were fetched from the store by {@link #adopt} rather than recorded here. */
    public boolean adopted(RecordingId id) {
        SpooledUpload upload = uploads.get(id);
        return upload != null && upload.adopted();
    }

    private int fetchSegments(RecordingId id, Path target) throws IOException {
        String prefix = id.value() + "/" + SegmentLayout.SEGMENT_DIRECTORY + "/";
        Set<String> names = new HashSet<>();
        for (BlobStore.BlobInfo blob : store.list(prefix)) {
            names.add(blob.key().substring(prefix.length()));
        }
        // The header is stored once the first segment is complete: without it, nothing can be played.
        if (!names.contains(SegmentLayout.INIT)) {
            return 0;
        }
        fetch(prefix + SegmentLayout.INIT, target.resolve(SegmentLayout.INIT));
        int fetched = 0;
        // Segments are stored in order, so a gap means the store lost one or the rest never came: stop there.
        for (int number = 0; ; number++) {
            String name = String.format(SegmentLayout.SEGMENT_PATTERN, number);
            if (!names.contains(name)) {
                break;
            }
            Path temp = target.resolve(name + ".tmp");
            fetch(prefix + name, temp);
            try {
                FragmentedMp4.inspect(temp);
            } catch (IOException e) {
                log.warn("recording {}: segment {} in the store is unreadable; keeping the {} before it: {}", id, name,
                        fetched, e.getMessage());
                Files.delete(temp);
                break;
            }
            // Appears under its final name only complete, as a recorded segment does.
            Files.move(temp, target.resolve(name), StandardCopyOption.ATOMIC_MOVE);
            fetched++;
        }
        return fetched;
    }

    private void fetch(String key, Path file) throws IOException {
        try (InputStream in = store.read(key, 0, -1)) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The recording is over: no more segments will come. The final object is completed as soon as the store
     * allows, then {@code extraFiles} (names inside the recording's directory) are stored beside it.
     */
    public void seal(RecordingId id, List<String> extraFiles) throws IOException {
        SpooledUpload upload = upload(id);
        synchronized (upload) {
            upload.seal(extraFiles);
        }
        schedule(upload, Duration.ZERO);
    }

    /**
     * Where an upload stands: as of its last step, with its pending segments counted afresh. Never waits for a
     * running step (which may be waiting for the store), so status endpoints, health and metrics stay quick.
     */
    public Optional<UploadStatus> status(RecordingId id) {
        return Optional.ofNullable(uploads.get(id)).map(SpooledUpload::status);
    }

    private List<UploadStatus> statuses() {
        return uploads.keySet().stream().sorted().map(this::status).flatMap(Optional::stream).toList();
    }

    /** Totals over every upload, for metrics and health. */
    public Backlog backlog() {
        int unfinished = 0;
        int spooling = 0;
        int segments = 0;
        long bytes = 0;
        for (UploadStatus status : statuses()) {
            if (status.phase() == UploadStatus.Phase.STREAMING || status.phase() == UploadStatus.Phase.FINISHING) {
                unfinished++;
            }
            spooling += status.spooling() ? 1 : 0;
            segments += status.pendingSegments();
            bytes += status.pendingBytes();
        }
        return new Backlog(unfinished, spooling, segments, bytes);
    }

    /**
     * @param uploads         uploads not yet complete
     * @param spooling        of those, how many cannot reach the store right now
     * @param pendingSegments segments on local disk only
     * @param pendingBytes    their size
     */
    public record Backlog(int uploads, int spooling, int pendingSegments, long pendingBytes) {
    }

    /** Removes a finished (or abandoned) recording's local files. Its objects in the store are not touched. */
    public void discard(RecordingId id) throws IOException {
        SpooledUpload upload = uploads.remove(id);
        ScheduledFuture<?> waiting = nextSteps.remove(id);
        if (waiting != null) {
            waiting.cancel(false);
        }
        if (upload == null) {
            FileSystemUtils.deleteRecursively(directory(id));
            return;
        }
        synchronized (upload) {
            FileSystemUtils.deleteRecursively(upload.directory());
        }
    }

    private SpooledUpload upload(RecordingId id) {
        SpooledUpload upload = uploads.get(id);
        if (upload == null) {
            throw new IllegalArgumentException("recording " + id + " is not spooled");
        }
        return upload;
    }

    /** Each upload has at most one step waiting, so a seal or a restart never starts a second chain of steps. */
    private void schedule(SpooledUpload upload, Duration delay) {
        synchronized (upload) {
            ScheduledFuture<?> waiting = nextSteps.get(upload.id());
            if (waiting != null) {
                waiting.cancel(false);
            }
            if (!executor.isShutdown()) {
                nextSteps.put(upload.id(),
                        executor.schedule(() -> step(upload), delay.toMillis(), TimeUnit.MILLISECONDS));
            }
        }
    }

    private void step(SpooledUpload upload) {
        Optional<ArchivedMedia> done;
        Duration next;
        synchronized (upload) {
            if (uploads.get(upload.id()) != upload) {
                return; // discarded
            }
            if (upload.finished()) {
                return; // reported once, by the step that finished it (or by resume)
            }
            // A seal triggers a step at once; a step already waiting for its backoff must not be overtaken.
            Optional<Instant> retryAt = upload.nextAttempt();
            if (retryAt.isPresent() && retryAt.get().isAfter(clock.instant())) {
                schedule(upload, Duration.between(clock.instant(), retryAt.get()));
                return;
            }
            try {
                done = upload.step();
                if (upload.failedAttempts() > 0) {
                    log.info("recording {}: the store answers again after {} failed attempts; catching up",
                            upload.id(), upload.failedAttempts());
                }
                upload.succeeded();
                next = settings.scanInterval();
            } catch (BlobStoreException e) {
                next = backoff(upload.failedAttempts());
                upload.failedAttempt(e.getMessage(), clock.instant().plus(next));
                if (upload.failedAttempts() == 1 || upload.failedAttempts() % 20 == 0) {
                    log.warn("recording {}: the store {} failed ({}); segments stay on local disk, retrying in {} ms",
                            upload.id(), store.describe(), e.getMessage(), next.toMillis());
                }
                done = Optional.empty();
            } catch (IOException | RuntimeException e) {
                if (upload.failedAttempts() + 1 >= LOCAL_ERROR_ATTEMPTS) {
                    upload.failedForGood(e.getMessage());
                    log.error("recording {}: giving up the upload: {}", upload.id(), e.toString());
                    notifyFailed(upload.id(), e.getMessage());
                    return;
                }
                next = backoff(upload.failedAttempts());
                upload.failedAttempt(e.getMessage(), clock.instant().plus(next));
                log.warn("recording {}: upload step failed ({}); retrying in {} ms", upload.id(), e, next.toMillis());
                done = Optional.empty();
            }
        }
        if (done.isPresent()) {
            report(done.get());
        } else if (!upload.finished()) {
            schedule(upload, next);
        }
    }

    private Duration backoff(int failuresSoFar) {
        long first = settings.firstRetry().toMillis();
        long cap = settings.longestRetry().toMillis();
        long wait = Math.min(cap, first << Math.min(failuresSoFar, 20));
        // Jitter keeps many uploads from hitting a recovering store in lockstep.
        return Duration.ofMillis((long) (wait * ThreadLocalRandom.current().nextDouble(0.8, 1.0)));
    }

    private void report(ArchivedMedia media) {
        try {
            listener.completed(media);
        } catch (RuntimeException e) {
            log.error("recording {}: the spool listener failed on completion", media.id(), e);
        }
    }

    private void notifyFailed(RecordingId id, String reason) {
        try {
            listener.failed(id, reason);
        } catch (RuntimeException e) {
            log.error("recording {}: the spool listener failed", id, e);
        }
    }

    /** Stops uploading. Unfinished uploads stay on disk and resume at the next {@link #open}. */
    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
