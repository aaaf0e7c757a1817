package dev.capstan.storage.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.storage.blob.BlobStore.BlobInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What every {@link BlobStore} must do; run against each implementation by a subclass. */
abstract class BlobStoreContractTest {

    @TempDir
    Path temp;

    protected BlobStore store;

    /** A fresh, empty store. */
    protected abstract BlobStore newStore() throws Exception;

    /** Another instance over the same objects as {@link #store} (as after a restart of the process). */
    protected abstract BlobStore reopen() throws Exception;

    @BeforeEach
    void open() throws Exception {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void putStatAndReadWholeAndRanges() throws Exception {
        byte[] content = bytes(10_000, 1);
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(2);
        store.put("rec/one.bin", content, "application/octet-stream");

        Optional<BlobInfo> info = store.stat("rec/one.bin");
        assertThat(info).isPresent();
        assertThat(info.get().key()).isEqualTo("rec/one.bin");
        assertThat(info.get().size()).isEqualTo(10_000);
        assertThat(info.get().modified()).isAfter(before).isBefore(Instant.now().plusSeconds(5));

        assertThat(readAll(store.read("rec/one.bin", 0, -1))).isEqualTo(content);
        assertThat(readAll(store.read("rec/one.bin", 0, 1))).isEqualTo(slice(content, 0, 1));
        assertThat(readAll(store.read("rec/one.bin", 1234, 100))).isEqualTo(slice(content, 1234, 100));
        assertThat(readAll(store.read("rec/one.bin", 9_990, -1))).isEqualTo(slice(content, 9_990, 10));
        assertThat(readAll(store.read("rec/one.bin", 9_990, 50))).isEqualTo(slice(content, 9_990, 10));
        assertThat(readAll(store.read("rec/one.bin", 5, 0))).isEmpty();
        assertThat(readAll(store.read("rec/one.bin", 10_000, -1))).isEmpty();

        // Replacing an object replaces it entirely.
        store.put("rec/one.bin", "short".getBytes(StandardCharsets.UTF_8), "text/plain");
        assertThat(new String(readAll(store.read("rec/one.bin", 0, -1)), StandardCharsets.UTF_8)).isEqualTo("short");
        assertThat(store.stat("rec/one.bin").orElseThrow().size()).isEqualTo(5);
    }

    @Test
    void putFromFile() throws Exception {
        byte[] content = bytes(300_000, 2);
        Path file = temp.resolve("source.mp4");
        Files.write(file, content);
        store.put("rec/video.mp4", file, "video/mp4");
        assertThat(readAll(store.read("rec/video.mp4", 0, -1))).isEqualTo(content);
        assertThat(store.stat("rec/video.mp4").orElseThrow().size()).isEqualTo(300_000);
    }

    @Test
    void emptyObject() throws Exception {
        store.put("rec/empty", new byte[0], "application/octet-stream");
        assertThat(store.stat("rec/empty").orElseThrow().size()).isZero();
        assertThat(readAll(store.read("rec/empty", 0, -1))).isEmpty();
    }

    @Test
    void missingObjects() throws Exception {
        assertThat(store.stat("nothing/here")).isEmpty();
        assertThatThrownBy(() -> store.read("nothing/here", 0, -1)).isInstanceOf(NoSuchBlobException.class)
                .hasMessageContaining("nothing/here");
        assertThatThrownBy(() -> store.read("nothing/here", 10, 5)).isInstanceOf(NoSuchBlobException.class);
        assertThatThrownBy(() -> store.read("nothing/here", 0, 0)).isInstanceOf(NoSuchBlobException.class);
        assertThat(store.list("nothing/")).isEmpty();
    }

    @Test
    void listsByPrefixInKeyOrder() throws Exception {
        for (String key : new String[] {"b/2", "a/z", "a/b/c", "a-b", "a/b/a", "ab", "a/b0", "c"}) {
            store.put(key, key.getBytes(StandardCharsets.UTF_8), "text/plain");
        }
        assertThat(store.list("").stream().map(BlobInfo::key))
                .containsExactly("a-b", "a/b/a", "a/b/c", "a/b0", "a/z", "ab", "b/2", "c");
        assertThat(store.list("a/").stream().map(BlobInfo::key)).containsExactly("a/b/a", "a/b/c", "a/b0", "a/z");
        assertThat(store.list("a/b").stream().map(BlobInfo::key)).containsExactly("a/b/a", "a/b/c", "a/b0");
        assertThat(store.list("a/b/").stream().map(BlobInfo::key)).containsExactly("a/b/a", "a/b/c");
        assertThat(store.list("a").stream().map(BlobInfo::key))
                .containsExactly("a-b", "a/b/a", "a/b/c", "a/b0", "a/z", "ab");
        assertThat(store.list("x")).isEmpty();
        BlobInfo info = store.list("a/b/c").get(0);
        assertThat(info.size()).isEqualTo(5);
        assertThat(info.modified()).isNotNull();
    }

    @Test
    void deleteIsIdempotent() throws Exception {
        store.put("rec/x", new byte[] {1}, "application/octet-stream");
        store.put("rec/y", new byte[] {2}, "application/octet-stream");
        store.delete("rec/x");
        assertThat(store.stat("rec/x")).isEmpty();
        store.delete("rec/x");
        store.delete("never/was");
        assertThat(store.list("rec/").stream().map(BlobInfo::key)).containsExactly("rec/y");
    }

    @Test
    void deleteAllUnderPrefix() throws Exception {
        store.put("r1/segments/1", new byte[] {1}, "application/octet-stream");
        store.put("r1/segments/2", new byte[] {2}, "application/octet-stream");
        store.put("r1/final.mp4", new byte[] {3}, "video/mp4");
        store.put("r10/final.mp4", new byte[] {4}, "video/mp4");
        store.put("r2/final.mp4", new byte[] {5}, "video/mp4");

        store.deleteAll("r1/segments/");
        assertThat(store.list("").stream().map(BlobInfo::key))
                .containsExactly("r1/final.mp4", "r10/final.mp4", "r2/final.mp4");
        store.deleteAll("r1/");
        assertThat(store.list("").stream().map(BlobInfo::key)).containsExactly("r10/final.mp4", "r2/final.mp4");
        store.deleteAll("r1/");
        store.deleteAll("none/");
        // Deleted objects' keys can be written again.
        store.put("r1/segments/1", new byte[] {6}, "application/octet-stream");
        assertThat(readAll(store.read("r1/segments/1", 0, -1))).containsExactly(6);
    }

    @Test
    void multipartOutOfOrderWithReplacedPart() throws Exception {
        int partSize = (int) Math.max(store.minimumPartSize(), 1000);
        byte[] part1 = bytes(partSize, 11);
        byte[] part2 = bytes(partSize, 12);
        byte[] part3 = bytes(1234, 13);
        byte[] stale = bytes(partSize, 99);

        MultipartWrite write = store.startMultipart("rec/joined.mp4", "video/mp4");
        assertThat(write.key()).isEqualTo("rec/joined.mp4");
        assertThat(write.uploadId()).isNotBlank();
        write.putPart(3, content(part3), part3.length);
        write.putPart(1, content(stale), stale.length);
        write.putPart(2, content(part2), part2.length);
        write.putPart(1, content(part1), part1.length); // replaces the first upload of part 1
        assertThat(store.stat("rec/joined.mp4")).isEmpty();
        write.complete(3);

        byte[] expected = concat(part1, part2, part3);
        assertThat(store.stat("rec/joined.mp4").orElseThrow().size()).isEqualTo(expected.length);
        assertThat(Arrays.equals(readAll(store.read("rec/joined.mp4", 0, -1)), expected)).isTrue();
        assertThat(readAll(store.read("rec/joined.mp4", partSize - 10, 20))).isEqualTo(
                slice(expected, partSize - 10, 20));
        assertThat(store.list("rec/").stream().map(BlobInfo::key)).containsExactly("rec/joined.mp4");
    }

    @Test
    void multipartPartIsReadAgainOnEachAttempt() throws Exception {
        byte[] data = bytes(4096, 21);
        AtomicInteger opened = new AtomicInteger();
        MultipartWrite.Content failsFirst = () -> {
            if (opened.incrementAndGet() == 1) {
                throw new IOException("the part's file cannot be read (test)");
            }
            return new ByteArrayInputStream(data);
        };
        MultipartWrite write = store.startMultipart("rec/single", "application/octet-stream");
        assertThatThrownBy(() -> write.putPart(1, failsFirst, data.length)).isInstanceOf(BlobStoreException.class)
                .hasMessageContaining("part 1");
        assertThat(opened).hasValue(1);
        write.putPart(1, failsFirst, data.length);
        assertThat(opened).hasValue(2);
        write.complete(1);
        assertThat(readAll(store.read("rec/single", 0, -1))).isEqualTo(data);
    }

    @Test
    void completeWithMissingPartFails() throws Exception {
        MultipartWrite write = store.startMultipart("rec/gap", "application/octet-stream");
        byte[] last = bytes(100, 31);
        write.putPart(2, content(last), last.length);
        assertThatThrownBy(() -> write.complete(2)).isInstanceOf(BlobStoreException.class)
                .hasMessageContaining("part 1");
        write.abort();
        assertThat(store.stat("rec/gap")).isEmpty();
    }

    @Test
    void abortDiscardsParts() throws Exception {
        byte[] data = bytes(500, 41);
        MultipartWrite write = store.startMultipart("rec/aborted", "application/octet-stream");
        write.putPart(1, content(data), data.length);
        write.abort();
        write.abort(); // idempotent
        assertThat(store.stat("rec/aborted")).isEmpty();
        assertThat(store.list("")).isEmpty();
        assertThat(store.resumeMultipart("rec/aborted", write.uploadId())).isEmpty();
        assertThatThrownBy(() -> write.complete(1)).isInstanceOf(BlobStoreException.class);
    }

    @Test
    void resumesMultipartFromAnotherInstance() throws Exception {
        int partSize = (int) Math.max(store.minimumPartSize(), 1000);
        byte[] part1 = bytes(partSize, 51);
        byte[] part2 = bytes(partSize, 52);
        byte[] part3 = bytes(777, 53);
        MultipartWrite write = store.startMultipart("rec/resumed.mp4", "video/mp4");
        write.putPart(1, content(part1), part1.length);
        write.putPart(2, content(bytes(partSize, 98)), partSize); // replaced after the resume
        String uploadId = write.uploadId();

        try (BlobStore again = reopen()) {
            assertThat(again.resumeMultipart("rec/resumed.mp4", "0123456789abcdef0123456789abcdef")).isEmpty();
            MultipartWrite resumed = again.resumeMultipart("rec/resumed.mp4", uploadId).orElseThrow();
            assertThat(resumed.uploadId()).isEqualTo(uploadId);
            assertThat(resumed.key()).isEqualTo("rec/resumed.mp4");
            resumed.putPart(3, content(part3), part3.length);
            resumed.putPart(2, content(part2), part2.length);
            resumed.complete(3);
            assertThat(Arrays.equals(readAll(again.read("rec/resumed.mp4", 0, -1)), concat(part1, part2, part3)))
                    .isTrue();
        }
        assertThat(store.resumeMultipart("rec/resumed.mp4", uploadId)).isEmpty();
    }

    @Test
    void rejectsInvalidKeys() {
        for (String key : new String[] {"", "/abs", "a//b", "a/", "a/./b", "a/../b", "..", "a\\b", "a\u0000b",
                "x".repeat(1025)}) {
            assertThatThrownBy(() -> store.put(key, new byte[] {1}, "text/plain"))
                    .as("key %s", key.length() > 20 ? key.substring(0, 20) + "…" : key)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.stat(key)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> store.list("../")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.deleteAll("/")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringIncludesTheDescription() {
        assertThat(store.describe()).isNotBlank();
        assertThat(store.toString()).contains(store.describe());
    }

    // ---------------------------------------------------------------------------------------------------------

    static byte[] bytes(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    static MultipartWrite.Content content(byte[] data) {
        return () -> new ByteArrayInputStream(data);
    }

    static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    static byte[] slice(byte[] data, int from, int length) {
        return Arrays.copyOfRange(data, from, from + length);
    }

    static byte[] concat(byte[]... parts) {
        int total = 0;
        for (byte[] p : parts) {
            total += p.length;
        }
        byte[] all = new byte[total];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
