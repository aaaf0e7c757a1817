package dev.capstan.storage.spool;

import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.blob.BlobStoreException;
import dev.capstan.storage.blob.MultipartWrite;
import dev.capstan.storage.media.FragmentedMp4;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One recording's way into the store. Each finished segment is stored as its own object at once (so the store is
 * never far behind the recording), and in parallel the final MP4 grows as a multipart write whose parts are cut
 * from the same local segments. Sealing uploads the tail, re-uploads part 1 with the final header (durations and
 * the seek index are known only at the end), and completes the write: a long recording is one object within
 * seconds, and nothing is sent twice at the end.
 *
 * <p>Not thread-safe: the {@link Spool} runs one step at a time per upload. Only {@link #status} may be called
 * at any time, from any thread.
 */
final class SpooledUpload {

    private static final Logger log = LoggerFactory.getLogger(SpooledUpload.class);
    static final String MEDIA_TYPE = "video/mp4";

    private final RecordingId id;
    private final Path directory;
    private final BlobStore store;
    private final UploadJournal journal;
    private final long partSize;
    private final Clock clock;
    /** Each segment's boxes are read once: parts, the header and the checksum all reuse what was found. */
    private final Map<String, FragmentedMp4.Segment> inspected = new HashMap<>();
    /** Segment objects the store is known to have. Concurrent: {@link #status} reads it while a step runs. */
    private final Set<String> stored = ConcurrentHashMap.newKeySet();
    /** Whether {@link #stored} includes what the store held before: an upload found after a restart lists it once. */
    private boolean listedStore;
    private MultipartWrite multipart;
    private long uploadedBytes;
    private List<Path> segments = List.of();
    private UploadStatus.Phase phase;
    private int failedAttempts;
    private Instant failingSince;
    private Instant nextAttempt;
    private String lastError;
    /** Where the upload stood after its last step, for {@link #status}; replaced, never changed. */
    private volatile UploadStatus published;

    /**
     * @param isNew whether {@code journal} was just created: the store cannot hold any of a new upload's segments,
     *              so they are not looked for
     */
    SpooledUpload(RecordingId id, Path directory, BlobStore store, UploadJournal journal, boolean isNew, long partSize,
            Clock clock) {
        this.id = id;
        this.directory = directory;
        this.store = store;
        this.journal = journal;
        this.listedStore = isNew;
        this.partSize = Math.max(partSize, store.minimumPartSize());
        this.clock = clock;
        this.phase = journal.complete() ? UploadStatus.Phase.COMPLETE
                : journal.sealed() ? UploadStatus.Phase.FINISHING : UploadStatus.Phase.STREAMING;
        publish();
    }

    RecordingId id() {
        return id;
    }

    Path directory() {
        return directory;
    }

    boolean sealed() {
        return journal.sealed();
    }

    boolean adopted() {
        return journal.adopted();
    }

    boolean finished() {
        return phase == UploadStatus.Phase.COMPLETE || phase == UploadStatus.Phase.FAILED;
    }

    /** The finished media, if an earlier round (perhaps of an earlier process) completed it. */
    Optional<ArchivedMedia> completedMedia() {
        return journal.result();
    }

    Optional<Instant> nextAttempt() {
        return Optional.ofNullable(nextAttempt);
    }

    void seal(List<String> extras) throws IOException {
        if (!journal.sealed()) {
            journal.seal(extras);
            phase = UploadStatus.Phase.FINISHING;
            publish();
        }
    }

    /**
     * One round: store new segments, cut parts that are big enough and, once sealed, finish the object.
     *
     * @return the finished media when this round completed it
     * @throws BlobStoreException when the store failed; the caller backs off and calls again
     * @throws IOException        when local files are unreadable (not worth retrying quickly)
     */
    Optional<ArchivedMedia> step() throws IOException {
        if (finished()) {
            return Optional.empty();
        }
        segments = SegmentLayout.completedSegments(directory);
        Path init = SegmentLayout.init(directory);
        if (!Files.isRegularFile(init)) {
            if (journal.sealed()) {
                throw new IOException("the recording ended without any media (no " + init.getFileName() + ")");
            }
            return Optional.empty();
        }
        storeSegments(init);
        cutFullParts(init);
        if (!journal.sealed()) {
            return Optional.empty();
        }
        return Optional.of(finish(init));
    }

    private String key(String name) {
        return id.value() + "/" + name;
    }

    private String segmentKey(Path file) {
        return key(SegmentLayout.SEGMENT_DIRECTORY + "/" + file.getFileName());
    }

    /** Each finished segment becomes an object right away: the store holds the recording up to a segment ago. */
    private void storeSegments(Path init) throws IOException {
        if (!listedStore) {
            // After a restart, skip what an earlier process already stored.
            for (BlobStore.BlobInfo blob : store.list(key(SegmentLayout.SEGMENT_DIRECTORY + "/"))) {
                stored.add(blob.key());
            }
            listedStore = true;
        }
        List<Path> files = new ArrayList<>(segments.size() + 1);
        // FFmpeg creates init.mp4 empty at the start and writes it only as it closes the first segment: before a
        // segment is complete, the header is not (and would be stored empty, never to be stored again).
        if (!segments.isEmpty()) {
            files.add(init);
            files.addAll(segments);
        }
        for (Path file : files) {
            String key = segmentKey(file);
            if (!stored.contains(key)) {
                store.put(key, file, file == init ? MEDIA_TYPE : "video/iso.segment");
                stored.add(key);
                uploadedBytes += Files.size(file);
            }
        }
    }

    private MultipartWrite multipart() throws IOException {
        if (multipart == null) {
            String mediaKey = key(journal.mediaName());
            Optional<String> earlier = journal.multipartId();
            if (earlier.isPresent()) {
                multipart = store.resumeMultipart(mediaKey, earlier.get()).orElse(null);
                if (multipart == null) {
                    log.warn("recording {}: the store forgot the unfinished upload of {}; starting it again", id, mediaKey);
                }
            }
            if (multipart == null) {
                multipart = store.startMultipart(mediaKey, MEDIA_TYPE);
                journal.startedMultipart(multipart.uploadId());
            }
        }
        return multipart;
    }

    /** Parts are cut once enough media has gathered; part 1 carries a provisional header, replaced at the end. */
    private void cutFullParts(Path init) throws IOException {
        while (true) {
            int from = journal.nextPartStart();
            int to = from;
            long size = 0;
            while (to < segments.size() && size < partSize) {
                size += inspect(segments.get(to)).bodyLength();
                to++;
            }
            if (size < partSize) {
                return;
            }
            int number = journal.parts() + 1;
            byte[] header = number == 1 ? FragmentedMp4.headerOf(init, inspect(0, to)) : new byte[0];
            putPart(number, header, from, to);
            journal.uploadedPart(to);
        }
    }

    private ArchivedMedia finish(Path init) throws IOException {
        if (segments.isEmpty()) {
            throw new IOException("the recording ended before its first complete segment");
        }
        byte[] header = FragmentedMp4.headerOf(init, inspect(0, segments.size()));
        // A completed multipart write takes no more parts: a retry after a failure below goes on from there.
        if (!journal.multipartComplete()) {
            int from = journal.nextPartStart();
            boolean firstHasFinalHeader = false;
            if (from < segments.size() || journal.parts() == 0) {
                int number = journal.parts() + 1;
                putPart(number, number == 1 ? header : new byte[0], from, segments.size());
                journal.uploadedPart(segments.size());
                firstHasFinalHeader = number == 1;
            }
            if (!firstHasFinalHeader) {
                int[] first = journal.partRange(1);
                putPart(1, header, first[0], first[1]);
            }
            multipart().complete(journal.parts());
            journal.completedMultipart();
        }
        String mediaKey = key(journal.mediaName());
        Digest digest = digest(header);
        List<String> extraKeys = new ArrayList<>();
        for (String extra : journal.extras()) {
            Path file = directory.resolve(extra);
            if (Files.isRegularFile(file)) {
                String key = key(extra);
                store.put(key, file, contentType(extra));
                extraKeys.add(key);
            }
        }
        // The final object holds every segment: the separate copies are no longer needed.
        store.deleteAll(key(SegmentLayout.SEGMENT_DIRECTORY + "/"));
        ArchivedMedia media = new ArchivedMedia(id, mediaKey, digest.size(), digest.hex(), extraKeys, segments.size());
        journal.completed(media);
        phase = UploadStatus.Phase.COMPLETE;
        log.info("recording {}: {} is complete in {} ({} segments, {} bytes)", id, mediaKey, store.describe(),
                segments.size(), digest.size());
        return media;
    }

    private record Digest(long size, String hex) {
    }

    /** Reads the final object's bytes back from local disk: its size and checksum, without a download. */
    private Digest digest(byte[] header) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long size;
        try (InputStream in = new DigestInputStream(content(header, 0, segments.size()), sha)) {
            size = in.transferTo(OutputStream.nullOutputStream());
        }
        return new Digest(size, HexFormat.of().formatHex(sha.digest()));
    }

    private void putPart(int number, byte[] header, int from, int to) throws IOException {
        long length = header.length;
        for (int i = from; i < to; i++) {
            length += inspect(segments.get(i)).bodyLength();
        }
        multipart().putPart(number, () -> content(header, from, to), length);
        uploadedBytes += length;
        log.debug("recording {}: part {} (segments {}..{}, {} bytes) stored", id, number, from, to - 1, length);
    }

    /** The bytes of the final object for a header and a run of segments, opened lazily one file at a time. */
    private InputStream content(byte[] header, int from, int to) {
        List<Path> run = segments.subList(from, to);
        Iterator<Path> files = run.iterator();
        Enumeration<InputStream> streams = new Enumeration<>() {
            boolean headerGiven;

            @Override
            public boolean hasMoreElements() {
                return !headerGiven || files.hasNext();
            }

            @Override
            public InputStream nextElement() {
                if (!headerGiven) {
                    headerGiven = true;
                    return new ByteArrayInputStream(header);
                }
                try {
                    return inspect(files.next()).openBody();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        return new SequenceInputStream(streams);
    }

    private FragmentedMp4.Segment inspect(Path segment) throws IOException {
        String name = segment.getFileName().toString();
        FragmentedMp4.Segment known = inspected.get(name);
        if (known == null) {
            known = FragmentedMp4.inspect(segment);
            inspected.put(name, known);
        }
        return known;
    }

    /** Segments [from, to), inspected. */
    private List<FragmentedMp4.Segment> inspect(int from, int to) throws IOException {
        List<FragmentedMp4.Segment> run = new ArrayList<>(to - from);
        for (Path segment : segments.subList(from, to)) {
            run.add(inspect(segment));
        }
        return run;
    }

    private static String contentType(String name) {
        if (name.endsWith(".json")) {
            return "application/json";
        }
        if (name.endsWith(".jpg") || name.endsWith(".jpeg")) {
            return "image/jpeg";
        }
        if (name.endsWith(".ogg")) {
            return "audio/ogg";
        }
        if (name.endsWith(".webm")) {
            return "audio/webm";
        }
        return "application/octet-stream";
    }

    void succeeded() {
        failedAttempts = 0;
        failingSince = null;
        lastError = null;
        nextAttempt = null;
        publish();
    }

    void failedAttempt(String error, Instant retryAt) {
        failedAttempts++;
        if (failingSince == null) {
            failingSince = clock.instant();
        }
        lastError = error;
        nextAttempt = retryAt;
        publish();
    }

    void failedForGood(String error) {
        phase = UploadStatus.Phase.FAILED;
        lastError = error;
        publish();
    }

    int failedAttempts() {
        return failedAttempts;
    }

    /** Called at the end of each step or failure (and on sealing), with the step's own list of segments. */
    private void publish() {
        published = withPending(new UploadStatus(id, phase, 0, 0, uploadedBytes, failedAttempts,
                Optional.ofNullable(failingSince), Optional.ofNullable(nextAttempt), Optional.ofNullable(lastError)),
                segments);
    }

    /**
     * Where the upload stands, without waiting for a running step (which may wait long for the store): as of the
     * last step, with pending segments counted afresh (during a backoff no step runs, and the backlog grows).
     */
    UploadStatus status() {
        UploadStatus last = published;
        if (last.phase() == UploadStatus.Phase.COMPLETE) {
            return last;
        }
        try {
            return withPending(last, SegmentLayout.completedSegments(directory));
        } catch (IOException e) {
            return last;
        }
    }

    private UploadStatus withPending(UploadStatus status, List<Path> current) {
        int pending = 0;
        long pendingBytes = 0;
        if (status.phase() != UploadStatus.Phase.COMPLETE) {
            for (Path segment : current) {
                if (!stored.contains(segmentKey(segment))) {
                    pending++;
                    pendingBytes += segment.toFile().length();
                }
            }
        }
        return new UploadStatus(id, status.phase(), pending, pendingBytes, status.uploadedBytes(),
                status.failedAttempts(), status.failingSince(), status.nextAttempt(), status.lastError());
    }
}
