package dev.capstan.storage.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class LocalBlobStoreTest extends BlobStoreContractTest {

    private Path sandbox;
    private Path root;

    @Override
    protected BlobStore newStore() throws Exception {
        sandbox = Files.createDirectories(temp.resolve("sandbox"));
        root = sandbox.resolve("store");
        return new LocalBlobStore(root);
    }

    @Override
    protected BlobStore reopen() throws Exception {
        return new LocalBlobStore(root);
    }

    @Test
    void traversalKeysAreRejectedAndNothingIsWrittenOutside() throws Exception {
        LocalBlobStore local = (LocalBlobStore) store;
        for (String key : new String[] {"../x", "/etc/passwd", "a/../../b", "a\\b", "../store-evil/x", "./x",
                ".multipart/x", "a/.capstan-tmp-1"}) {
            assertThatThrownBy(() -> local.put(key, new byte[] {1}, "text/plain"))
                    .as(key).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key");
            assertThatThrownBy(() -> local.put(key, Files.writeString(temp.resolve("f"), "x"), "text/plain"))
                    .as(key).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> local.read(key, 0, -1)).as(key).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> local.delete(key)).as(key).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> local.startMultipart(key, "text/plain")).as(key)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> local.localFile(key)).as(key).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> local.put("../x", new byte[] {1}, "text/plain"))
                .hasMessageContaining("'..' segment").hasMessageContaining("../x");
        assertThatThrownBy(() -> local.put("/etc/passwd", new byte[] {1}, "text/plain"))
                .hasMessageContaining("relative");
        assertThatThrownBy(() -> local.put("a\\b", new byte[] {1}, "text/plain"))
                .hasMessageContaining("backslash");
        assertThat(local.resumeMultipart("a/b", "../../etc")).isEmpty();

        // Only the store's own directory exists in the sandbox, and it holds nothing.
        try (Stream<Path> all = Files.list(sandbox)) {
            assertThat(all.map(p -> p.getFileName().toString())).containsExactly("store");
        }
        try (Stream<Path> all = Files.walk(root)) {
            assertThat(all.filter(Files::isRegularFile).toList()).isEmpty();
        }
    }

    @Test
    void localFileIsTheObjectsFile() throws Exception {
        LocalBlobStore local = (LocalBlobStore) store;
        local.put("rec/final.mp4", "movie".getBytes(StandardCharsets.UTF_8), "video/mp4");
        Path file = local.localFile("rec/final.mp4").orElseThrow();
        assertThat(file).isEqualTo(root.resolve("rec/final.mp4").toAbsolutePath());
        assertThat(Files.readString(file)).isEqualTo("movie");
        assertThat(local.localFile("rec/none")).isEmpty();
        assertThat(local.localFile("rec")).isEmpty();
    }

    @Test
    void describesTheRootAndHasNoPresignedUrls() throws Exception {
        assertThat(store.describe()).isEqualTo("file:" + root.toAbsolutePath());
        store.put("a", new byte[] {1}, "text/plain");
        assertThat(store.presignedGet("a", Duration.ofMinutes(5), "a.bin")).isEmpty();
        assertThat(store.minimumPartSize()).isEqualTo(1);
    }

    @Test
    void multipartPartsLiveUnderTheMultipartDirectoryAndAreNotListed() throws Exception {
        MultipartWrite write = store.startMultipart("rec/m.mp4", "video/mp4");
        write.putPart(1, () -> new ByteArrayInputStream(new byte[] {1, 2, 3}), 3);
        Path dir = root.resolve(".multipart").resolve(write.uploadId());
        assertThat(dir.resolve("1")).exists();
        assertThat(Files.readString(dir.resolve("target"))).isEqualTo("rec/m.mp4");
        assertThat(store.list("")).isEmpty();
        assertThat(store.resumeMultipart("rec/other", write.uploadId())).isEmpty();
        write.complete(1);
        assertThat(dir).doesNotExist();
        assertThat(store.list("").stream().map(BlobStore.BlobInfo::key)).containsExactly("rec/m.mp4");
    }

    @Test
    void partWithWrongLengthFailsAndLeavesNoTempFiles() throws Exception {
        MultipartWrite write = store.startMultipart("rec/bad", "application/octet-stream");
        assertThatThrownBy(() -> write.putPart(1, () -> new ByteArrayInputStream(new byte[5]), 10))
                .isInstanceOf(BlobStoreException.class).hasMessageContaining("short");
        assertThatThrownBy(() -> write.putPart(1, () -> new ByteArrayInputStream(new byte[15]), 10))
                .isInstanceOf(BlobStoreException.class).hasMessageContaining("longer");
        try (Stream<Path> all = Files.walk(root.resolve(".multipart"))) {
            assertThat(all.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .containsExactly("target");
        }
        write.abort();
    }

    @Test
    void deleteRemovesDirectoriesLeftEmptyAndStaleTempFiles() throws Exception {
        store.put("r1/segments/a/1", new byte[] {1}, "application/octet-stream");
        store.put("r1/segments/b/2", new byte[] {2}, "application/octet-stream");
        store.put("r2/x", new byte[] {3}, "application/octet-stream");
        Path stale = root.resolve("r1/segments/a/.capstan-tmp-0011223344556677");
        Files.write(stale, new byte[] {9});
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.fromMillis(0));

        store.deleteAll("r1/");
        assertThat(root.resolve("r1")).doesNotExist();
        store.delete("r2/x");
        assertThat(root.resolve("r2")).doesNotExist();
        assertThat(root).exists();
        try (Stream<Path> all = Files.list(root)) {
            assertThat(all.toList()).isEmpty();
        }
    }

    @Test
    void anObjectCannotAlsoBeADirectory() throws Exception {
        store.put("a", new byte[] {1}, "text/plain");
        assertThatThrownBy(() -> store.put("a/b", new byte[] {2}, "text/plain"))
                .isInstanceOf(BlobStoreException.class).hasMessageContaining("a/b");
        assertThat(store.stat("a/b")).isEmpty();
        assertThatThrownBy(() -> store.read("a/b", 0, -1)).isInstanceOf(NoSuchBlobException.class);
        store.delete("a/b");
        assertThat(store.list("").stream().map(BlobStore.BlobInfo::key)).isEqualTo(List.of("a"));
    }
}
