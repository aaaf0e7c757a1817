package dev.capstan.storage.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.blob.BlobStoreException;
import dev.capstan.storage.blob.LocalBlobStore;
import dev.capstan.storage.blob.MultipartWrite;
import dev.capstan.storage.media.FragmentedMp4;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spool over a real {@link LocalBlobStore} and real media segments. */
class SpoolTest {

    private static final List<String> SEGMENTS = List.of("seg_00000.m4s", "seg_00001.m4s");
    /** Scans every 5 ms, retries within 50 ms. */
    private static final Spool.Settings FAST = new Spool.Settings(Duration.ofMillis(5), 8L << 20,
            Duration.ofMillis(10), Duration.ofMillis(50), 2);

    @TempDir
    Path temp;

    @Test
    void eachCompletionIsReportedOnceWhileScansRunConstantly() throws Exception {
        // Scans every millisecond: when a seal comes, a scan is usually waiting for the upload's lock, finishes
        // the upload as soon as the seal lets go, and the seal's own step comes after it.
        Spool.Settings settings = new Spool.Settings(Duration.ofMillis(1), 8L << 20, Duration.ofMillis(10),
                Duration.ofMillis(100), 4);
        int count = 50;
        Listener listener = new Listener(count);
        try (LocalBlobStore store = new LocalBlobStore(temp.resolve("store"));
             Spool spool = Spool.open(temp.resolve("spool"), store, listener, settings)) {
            List<RecordingId> ids = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                RecordingId id = RecordingId.of("rec-" + i);
                ids.add(id);
                record(spool.begin(id, id + ".mp4"));
            }
            for (RecordingId id : ids) {
                spool.seal(id, List.of());
            }
            assertThat(listener.allCompleted.await(30, TimeUnit.SECONDS)).as("all uploads completed").isTrue();
            Thread.sleep(300); // steps keep coming for a while if anything still schedules them

            assertThat(listener.failures).isEmpty();
            for (RecordingId id : ids) {
                assertThat(listener.completions.get(id)).as("completions of %s", id).hasValue(1);
                assertThat(spool.status(id).orElseThrow().phase()).isEqualTo(UploadStatus.Phase.COMPLETE);
            }
            assertThat(listener.completions).hasSize(count);
        }
    }

    @Test
    void aFinishInterruptedAfterTheMultipartWriteCompletedSucceedsOnRetry() throws Exception {
        Spool.Settings settings = new Spool.Settings(Duration.ofMillis(20), 8L << 20, Duration.ofMillis(10),
                Duration.ofMillis(50), 2);
        Listener listener = new Listener(1);
        RecordingId id = RecordingId.of("flaky");
        try (FaultyStore store = new FaultyStore(new LocalBlobStore(temp.resolve("store")));
             Spool spool = Spool.open(temp.resolve("spool"), store, listener, settings)) {
            store.deleteAllFailures.set(1); // after the final object is complete, removing its segment copies fails
            Path directory = spool.begin(id, "final.mp4");
            record(directory);
            Files.writeString(directory.resolve("metadata.json"), "{}");
            spool.seal(id, List.of("metadata.json"));

            assertThat(listener.allCompleted.await(10, TimeUnit.SECONDS)).as("the upload completed").isTrue();
            assertThat(store.deleteAllCalls).hasValue(2);
            assertThat(listener.failures).isEmpty();
            ArchivedMedia media = listener.media.get(0);
            assertThat(listener.completions.get(id)).hasValue(1);
            assertThat(media.mediaKey()).isEqualTo("flaky/final.mp4");
            assertThat(media.extraKeys()).containsExactly("flaky/metadata.json");
            assertThat(media.segments()).isEqualTo(SEGMENTS.size());

            byte[] expected = composed(directory);
            byte[] stored;
            try (InputStream in = store.read(media.mediaKey(), 0, -1)) {
                stored = in.readAllBytes();
            }
            assertThat(stored).isEqualTo(expected);
            assertThat(media.size()).isEqualTo(expected.length);
            assertThat(media.sha256()).isEqualTo(sha256(expected));
            // A new upload has nothing in the store to look for.
            assertThat(store.listCalls).hasValue(0);
            assertThat(store.list("flaky/").stream().map(BlobStore.BlobInfo::key))
                    .containsExactly("flaky/final.mp4", "flaky/metadata.json");
        }
    }

    @Test
    void aCompletedUploadIsReportedAgainOnceAfterARestart() throws Exception {
        RecordingId id = RecordingId.of("restarted");
        Path spoolRoot = temp.resolve("spool");
        ArchivedMedia first;
        try (LocalBlobStore store = new LocalBlobStore(temp.resolve("store"))) {
            Listener listener = new Listener(1);
            try (Spool spool = Spool.open(spoolRoot, store, listener, FAST)) {
                record(spool.begin(id, "final.mp4"));
                spool.seal(id, List.of());
                assertThat(listener.allCompleted.await(10, TimeUnit.SECONDS)).isTrue();
                first = listener.media.get(0);
            }

            // The owner had not recorded the result (nor discarded the files) when the process stopped.
            Listener again = new Listener(1);
            try (Spool spool = Spool.open(spoolRoot, store, again, FAST)) {
                assertThat(spool.interrupted()).isEmpty();
                spool.resume();
                assertThat(again.allCompleted.await(10, TimeUnit.SECONDS)).isTrue();
                Thread.sleep(100);
                assertThat(again.media).containsExactly(first);
                assertThat(spool.status(id).orElseThrow().phase()).isEqualTo(UploadStatus.Phase.COMPLETE);
            }
        }
    }

    @Test
    void anUploadResumedAfterARestartSkipsTheSegmentsAlreadyStored() throws Exception {
        RecordingId id = RecordingId.of("interrupted");
        Path spoolRoot = temp.resolve("spool");
        try (FaultyStore store = new FaultyStore(new LocalBlobStore(temp.resolve("store")))) {
            try (Spool spool = Spool.open(spoolRoot, store, new Listener(1), FAST)) {
                record(spool.begin(id, "final.mp4"));
                awaitStored(store, "interrupted/segments/", SEGMENTS.size() + 1);
            }
            int puts = store.putCalls.get();
            int lists = store.listCalls.get();

            Listener listener = new Listener(1);
            try (Spool spool = Spool.open(spoolRoot, store, listener, FAST)) {
                assertThat(spool.interrupted()).containsExactly(id);
                spool.resume();
                spool.seal(id, List.of());
                assertThat(listener.allCompleted.await(10, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(store.listCalls.get() - lists).as("lists after the restart").isEqualTo(1);
            assertThat(store.putCalls.get() - puts).as("segments stored again").isZero();
            assertThat(store.list("interrupted/").stream().map(BlobStore.BlobInfo::key))
                    .containsExactly("interrupted/final.mp4");
        }
    }

    @Test
    void aRecordingWhoseHostVanishedIsAdoptedFromTheStoreByAnotherSpool() throws Exception {
        RecordingId id = RecordingId.of("orphan");
        try (FaultyStore store = new FaultyStore(new LocalBlobStore(temp.resolve("store")))) {
            // Host A records; its segments reach the store; then it vanishes with its disk.
            Path lost;
            try (Spool a = Spool.open(temp.resolve("spool-a"), store, new Listener(1), FAST)) {
                lost = a.begin(id, "orphan.mp4");
                record(lost);
                awaitStored(store, "orphan/segments/", SEGMENTS.size() + 1);
            }
            byte[] expected = composed(lost);
            org.springframework.util.FileSystemUtils.deleteRecursively(lost);
            int puts = store.putCalls.get();

            // Host B adopts it and finishes it as if it had recorded it.
            Listener listener = new Listener(1);
            try (Spool b = Spool.open(temp.resolve("spool-b"), store, listener, FAST)) {
                Path adopted = b.adopt(id, "orphan_salvaged.mp4");
                assertThat(b.adopted(id)).isTrue();
                assertThat(SegmentLayout.completedSegments(adopted)).extracting(file -> file.getFileName().toString())
                        .containsExactlyElementsOf(SEGMENTS);
                assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> b.adopt(id, "again.mp4")))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already spooled");
                b.seal(id, List.of());
                assertThat(listener.allCompleted.await(10, TimeUnit.SECONDS)).as("the adopted upload completed").isTrue();
                ArchivedMedia media = listener.media.get(0);
                assertThat(media.mediaKey()).isEqualTo("orphan/orphan_salvaged.mp4");
                assertThat(media.segments()).isEqualTo(SEGMENTS.size());
                try (InputStream in = store.read(media.mediaKey(), 0, -1)) {
                    assertThat(in.readAllBytes()).as("the joined file").isEqualTo(expected);
                }
                assertThat(media.sha256()).isEqualTo(sha256(expected));
                assertThat(store.putCalls.get() - puts).as("segments stored again").isZero();
                assertThat(store.list("orphan/").stream().map(BlobStore.BlobInfo::key))
                        .containsExactly("orphan/orphan_salvaged.mp4");
            }
        }
    }

    @Test
    void adoptingKeepsTheSegmentsUpToTheFirstGapAndNothingWhenTheStoreHasNone() throws Exception {
        try (LocalBlobStore store = new LocalBlobStore(temp.resolve("store"));
             Spool spool = Spool.open(temp.resolve("spool"), store, new Listener(1), FAST)) {
            // seg_00001 never reached the store; seg_00002 (a copy of seg_00000) did.
            store.put("gap/segments/init.mp4", resource(SegmentLayout.INIT), "video/mp4");
            store.put("gap/segments/seg_00000.m4s", resource("seg_00000.m4s"), "video/iso.segment");
            store.put("gap/segments/seg_00002.m4s", resource("seg_00000.m4s"), "video/iso.segment");
            // A truncated object ends the run like a gap.
            store.put("cut/segments/init.mp4", resource(SegmentLayout.INIT), "video/mp4");
            store.put("cut/segments/seg_00000.m4s", resource("seg_00000.m4s"), "video/iso.segment");
            store.put("cut/segments/seg_00001.m4s", java.util.Arrays.copyOf(
                    Files.readAllBytes(resource("seg_00001.m4s")), 5000), "video/iso.segment");
            // Segments without the header cannot be played.
            store.put("headless/segments/seg_00000.m4s", resource("seg_00000.m4s"), "video/iso.segment");

            assertThat(SegmentLayout.completedSegments(spool.adopt(RecordingId.of("gap"), "gap.mp4")))
                    .extracting(file -> file.getFileName().toString()).containsExactly("seg_00000.m4s");
            assertThat(SegmentLayout.completedSegments(spool.adopt(RecordingId.of("cut"), "cut.mp4")))
                    .extracting(file -> file.getFileName().toString()).containsExactly("seg_00000.m4s");
            Path headless = spool.adopt(RecordingId.of("headless"), "headless.mp4");
            assertThat(SegmentLayout.completedSegments(headless)).isEmpty();
            assertThat(SegmentLayout.init(headless)).doesNotExist();
            assertThat(SegmentLayout.completedSegments(spool.adopt(RecordingId.of("never"), "never.mp4"))).isEmpty();
            spool.discard(RecordingId.of("never"));
            assertThat(spool.directory(RecordingId.of("never"))).doesNotExist();
        }
    }

    private static void awaitStored(BlobStore store, String prefix, int count) {
        await("%d objects under %s in the store".formatted(count, prefix)).atMost(Duration.ofSeconds(10))
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(5))
                .until(() -> store.list(prefix).size() >= count);
    }

    // ---------------------------------------------------------------------------------------------------------

    /** Writes a short recording into a spool directory as the encoder does: each file appears complete. */
    private static void record(Path directory) throws IOException {
        Path segments = SegmentLayout.segmentDirectory(directory);
        List<String> names = new ArrayList<>();
        names.add(SegmentLayout.INIT);
        names.addAll(SEGMENTS);
        for (String name : names) {
            Path temp = segments.resolve(name + ".tmp");
            Files.copy(resource(name), temp);
            Files.move(temp, segments.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static byte[] composed(Path directory) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FragmentedMp4.compose(SegmentLayout.init(directory), SegmentLayout.completedSegments(directory), out);
        return out.toByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static Path resource(String name) {
        try {
            return Path.of(SpoolTest.class.getResource("/media/demo/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class Listener implements SpoolListener {
        final Map<RecordingId, AtomicInteger> completions = new ConcurrentHashMap<>();
        final List<ArchivedMedia> media = new CopyOnWriteArrayList<>();
        final List<String> failures = new CopyOnWriteArrayList<>();
        final CountDownLatch allCompleted;

        Listener(int expected) {
            allCompleted = new CountDownLatch(expected);
        }

        @Override
        public void completed(ArchivedMedia archived) {
            media.add(archived);
            if (completions.computeIfAbsent(archived.id(), id -> new AtomicInteger()).incrementAndGet() == 1) {
                allCompleted.countDown();
            }
        }

        @Override
        public void failed(RecordingId id, String reason) {
            failures.add(id + ": " + reason);
        }
    }

    /**
     * A local store that counts calls and can fail {@code deleteAll}: a store that breaks between completing the
     * final object and removing the segment copies, which a real store does only by bad luck.
     */
    private static final class FaultyStore implements BlobStore {
        private final BlobStore delegate;
        final AtomicInteger deleteAllFailures = new AtomicInteger();
        final AtomicInteger deleteAllCalls = new AtomicInteger();
        final AtomicInteger listCalls = new AtomicInteger();
        final AtomicInteger putCalls = new AtomicInteger();

        FaultyStore(BlobStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public void put(String key, Path file, String contentType) throws BlobStoreException {
            putCalls.incrementAndGet();
            delegate.put(key, file, contentType);
        }

        @Override
        public void put(String key, byte[] content, String contentType) throws BlobStoreException {
            putCalls.incrementAndGet();
            delegate.put(key, content, contentType);
        }

        @Override
        public Optional<BlobInfo> stat(String key) throws BlobStoreException {
            return delegate.stat(key);
        }

        @Override
        public InputStream read(String key, long offset, long length) throws BlobStoreException {
            return delegate.read(key, offset, length);
        }

        @Override
        public List<BlobInfo> list(String prefix) throws BlobStoreException {
            listCalls.incrementAndGet();
            return delegate.list(prefix);
        }

        @Override
        public void delete(String key) throws BlobStoreException {
            delegate.delete(key);
        }

        @Override
        public void deleteAll(String prefix) throws BlobStoreException {
            deleteAllCalls.incrementAndGet();
            if (deleteAllFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new BlobStoreException("delete all under " + prefix + ": the store is unreachable (test)");
            }
            delegate.deleteAll(prefix);
        }

        @Override
        public Optional<URI> presignedGet(String key, Duration validity, String downloadName)
                throws BlobStoreException {
            return delegate.presignedGet(key, validity, downloadName);
        }

        @Override
        public MultipartWrite startMultipart(String key, String contentType) throws BlobStoreException {
            return delegate.startMultipart(key, contentType);
        }

        @Override
        public Optional<MultipartWrite> resumeMultipart(String key, String uploadId) throws BlobStoreException {
            return delegate.resumeMultipart(key, uploadId);
        }

        @Override
        public long minimumPartSize() {
            return delegate.minimumPartSize();
        }

        @Override
        public String describe() {
            return delegate.describe();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
