package dev.capstan.storage.blob;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.FileSystemUtils;

/**
 * The default store: a directory on this host. A key {@code a/b/c} is the file {@code <root>/a/b/c}.
 *
 * <p>Every write goes to a temporary file in the target's directory, is flushed to disk, and is then renamed over
 * the target, so a reader sees the old object or the new one, never a part, and a crash leaves no torn object.
 * Multipart writes keep their parts under {@code <root>/.multipart/<upload-id>/}.
 *
 * <p>The file system cannot hold both {@code a} and {@code a/b} as objects (S3 can); writing the second fails.
 */
public final class LocalBlobStore implements BlobStore {

    private static final Logger log = LoggerFactory.getLogger(LocalBlobStore.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern UPLOAD_ID = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern PART_NAME = Pattern.compile("[1-9][0-9]{0,4}");
    private static final String TARGET_FILE = "target";
    private static final Duration STALE_TEMP = Duration.ofMinutes(10);

    private final Path root;
    private final Path multipartRoot;

    /** A store in {@code root}, which is created if missing. */
    public LocalBlobStore(Path root) throws BlobStoreException {
        this.root = root.toAbsolutePath().normalize();
        this.multipartRoot = this.root.resolve(BlobKeys.MULTIPART_DIR);
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new BlobStoreException("cannot create the store directory " + this.root + ": " + e, e);
        }
    }

    /**
     * The file that holds {@code key}, for callers that want to hand it to a local program; empty if there is no
     * such object. The file may be replaced (never changed in place) by a later write.
     */
    public Optional<Path> localFile(String key) {
        Path file = resolve(key);
        return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? Optional.of(file) : Optional.empty();
    }

    @Override
    public void put(String key, Path file, String contentType) throws BlobStoreException {
        Path target = resolve(key);
        FileChannel in;
        try {
            in = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new BlobStoreException("put " + key + " in " + describe() + ": cannot read " + file + ": " + e, e);
        }
        try (in) {
            writeAtomically(target, true, out -> transferAll(in, out));
        } catch (IOException e) {
            throw failure("put", key, e);
        }
    }

    @Override
    public void put(String key, byte[] content, String contentType) throws BlobStoreException {
        Path target = resolve(key);
        try {
            writeAtomically(target, true, out -> writeFully(out, ByteBuffer.wrap(content)));
        } catch (IOException e) {
            throw failure("put", key, e);
        }
    }

    @Override
    public Optional<BlobInfo> stat(String key) throws BlobStoreException {
        Path file = resolve(key);
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (!attributes.isRegularFile()) {
                return Optional.empty();
            }
            return Optional.of(new BlobInfo(key, attributes.size(), attributes.lastModifiedTime().toInstant()));
        } catch (IOException e) {
            if (absent(e, file)) {
                return Optional.empty();
            }
            throw failure("stat", key, e);
        }
    }

    @Override
    public InputStream read(String key, long offset, long length) throws BlobStoreException {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        Path file = resolve(key);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchBlobException(key);
        }
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            if (absent(e, file)) {
                throw new NoSuchBlobException(key);
            }
            throw failure("read", key, e);
        }
        try {
            long size = channel.size();
            long start = Math.min(offset, size);
            long remaining = length < 0 ? size - start : Math.min(length, size - start);
            if (remaining == 0) {
                channel.close();
                return new ByteArrayInputStream(new byte[0]);
            }
            channel.position(start);
            return new BoundedInputStream(Channels.newInputStream(channel), remaining);
        } catch (IOException e) {
            closeQuietly(channel);
            throw failure("read", key, e);
        }
    }

    @Override
    public List<BlobInfo> list(String prefix) throws BlobStoreException {
        Found found = new Found(prefix, false);
        try {
            walk(found.dir, found.dirKey, found);
        } catch (IOException e) {
            throw failure("list", prefix, e);
        }
        found.objects.sort(Comparator.comparing(BlobInfo::key, LocalBlobStore::compareCodePoints));
        return found.objects;
    }

    @Override
    public void delete(String key) throws BlobStoreException {
        Path file = resolve(key);
        try {
            if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                return; // only a prefix of other keys, not an object
            }
            if (Files.deleteIfExists(file)) {
                removeEmptyParents(file.getParent());
            }
        } catch (IOException e) {
            if (!absent(e, file)) {
                throw failure("delete", key, e);
            }
        }
    }

    @Override
    public void deleteAll(String prefix) throws BlobStoreException {
        Found found = new Found(prefix, true);
        try {
            walk(found.dir, found.dirKey, found);
            for (Path file : found.files) {
                Files.deleteIfExists(file);
            }
            // Directories wholly under the prefix, deepest first, then the ancestors left empty.
            found.directories.sort(Comparator.comparingInt(Path::getNameCount).reversed());
            for (Path d : found.directories) {
                deleteIfEmpty(d);
            }
            removeEmptyParents(found.dir);
        } catch (IOException e) {
            if (!absent(e, found.dir)) {
                throw failure("delete all under", prefix, e);
            }
        }
    }

    /** Always empty: a local directory has no URLs to hand out. */
    @Override
    public Optional<URI> presignedGet(String key, Duration validity, String downloadName) {
        BlobKeys.check(key);
        return Optional.empty();
    }

    @Override
    public MultipartWrite startMultipart(String key, String contentType) throws BlobStoreException {
        BlobKeys.check(key);
        String uploadId = HexFormat.of().formatHex(randomBytes(16));
        Path dir = multipartRoot.resolve(uploadId);
        try {
            Files.createDirectories(dir);
            writeAtomically(dir.resolve(TARGET_FILE), false,
                    out -> writeFully(out, ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8))));
        } catch (IOException e) {
            throw failure("start multipart write of", key, e);
        }
        return new LocalMultipartWrite(key, uploadId, dir);
    }

    @Override
    public Optional<MultipartWrite> resumeMultipart(String key, String uploadId) throws BlobStoreException {
        BlobKeys.check(key);
        if (uploadId == null || !UPLOAD_ID.matcher(uploadId).matches()) {
            return Optional.empty();
        }
        Path dir = multipartRoot.resolve(uploadId);
        try {
            String target = Files.readString(dir.resolve(TARGET_FILE), StandardCharsets.UTF_8);
            if (!target.equals(key)) {
                log.warn("Multipart write {} in {} is for {}, not {}; not resuming it", uploadId, describe(),
                        target, key);
                return Optional.empty();
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw failure("resume multipart write of", key, e);
        }
        return Optional.of(new LocalMultipartWrite(key, uploadId, dir));
    }

    /** 1: a local store takes parts of any size. */
    @Override
    public long minimumPartSize() {
        return 1;
    }

    @Override
    public String describe() {
        return "file:" + root;
    }

    @Override
    public void close() {
    }

    @Override
    public String toString() {
        return "LocalBlobStore[" + describe() + "]";
    }

    // ---------------------------------------------------------------------------------------------------------

    private final class LocalMultipartWrite implements MultipartWrite {

        private final String key;
        private final String uploadId;
        private final Path dir;

        LocalMultipartWrite(String key, String uploadId, Path dir) {
            this.key = key;
            this.uploadId = uploadId;
            this.dir = dir;
        }

        @Override
        public String uploadId() {
            return uploadId;
        }

        @Override
        public String key() {
            return key;
        }

        @Override
        public void putPart(int number, Content content, long length) throws BlobStoreException {
            BlobKeys.checkPart(number, length);
            requireUpload("put part " + number + " of");
            try (InputStream in = content.open()) {
                writeAtomically(dir.resolve(Integer.toString(number)), false, out -> copyExactly(in, out, length));
            } catch (NoSuchFileException e) {
                throw new BlobStoreException("put part " + number + " of " + key + " in " + describe()
                        + ": the multipart write " + uploadId + " is gone (completed or aborted)", e);
            } catch (IOException e) {
                throw failure("put part " + number + " of", key, e);
            }
        }

        @Override
        public void complete(int parts) throws BlobStoreException {
            BlobKeys.checkPartCount(parts);
            requireUpload("complete");
            List<Path> files = new ArrayList<>(parts);
            for (int i = 1; i <= parts; i++) {
                Path part = dir.resolve(Integer.toString(i));
                if (!Files.isRegularFile(part, LinkOption.NOFOLLOW_LINKS)) {
                    throw new BlobStoreException("complete " + key + " in " + describe() + ": part " + i + " of "
                            + parts + " was never uploaded");
                }
                files.add(part);
            }
            Path target = resolve(key);
            try {
                writeAtomically(target, true, out -> {
                    for (Path part : files) {
                        try (FileChannel in = FileChannel.open(part, StandardOpenOption.READ)) {
                            transferAll(in, out);
                        }
                    }
                });
            } catch (IOException e) {
                throw failure("complete multipart write of", key, e);
            }
            deleteUploadDir();
        }

        @Override
        public void abort() throws BlobStoreException {
            deleteUploadDir();
        }

        private void requireUpload(String operation) throws BlobStoreException {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new BlobStoreException(operation + " " + key + " in " + describe() + ": the multipart write "
                        + uploadId + " is gone (completed or aborted)");
            }
        }

        private void deleteUploadDir() throws BlobStoreException {
            try {
                FileSystemUtils.deleteRecursively(dir);
            } catch (IOException e) {
                throw failure("clean up multipart write of", key, e);
            }
        }

        @Override
        public String toString() {
            return "multipart write " + uploadId + " of " + key + " in " + describe();
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private Path resolve(String key) {
        BlobKeys.check(key);
        Path file = root.resolve(key).normalize();
        if (!file.startsWith(root) || file.equals(root)) {
            throw new IllegalArgumentException("blob key leaves the store: \"" + key + "\"");
        }
        return file;
    }

    /**
     * What a walk collects: objects whose keys start with the prefix, and for deleteAll, what to remove. The walk
     * starts in the directory where the prefix's keys live ({@code a/b/} and {@code a/b/c} both give {@code a/b}).
     */
    private final class Found {
        final String prefix;
        final boolean forDelete;
        final String dirKey;
        final Path dir;
        final List<BlobInfo> objects = new ArrayList<>();
        final List<Path> files = new ArrayList<>();
        final List<Path> directories = new ArrayList<>();

        /** @throws IllegalArgumentException if {@code prefix} cannot begin valid keys */
        Found(String prefix, boolean forDelete) {
            this.prefix = BlobKeys.checkPrefix(prefix);
            this.forDelete = forDelete;
            int slash = prefix.lastIndexOf('/');
            this.dirKey = slash < 0 ? "" : prefix.substring(0, slash);
            this.dir = dirKey.isEmpty() ? root : root.resolve(dirKey);
        }
    }

    /**
     * Collects the objects under {@code dir} (whose key is {@code dirKey}) whose keys start with the prefix. For a
     * delete it also collects the directories wholly under the prefix and the temporary files that crashed writes
     * left in them (those untouched for {@link #STALE_TEMP}).
     */
    private void walk(Path dir, String dirKey, Found found) throws IOException {
        DirectoryStream<Path> entries;
        try {
            entries = Files.newDirectoryStream(dir);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return;
        }
        String prefix = found.prefix;
        boolean wholeDirectory = !dirKey.isEmpty() && (dirKey + "/").startsWith(prefix);
        if (found.forDelete && wholeDirectory) {
            found.directories.add(dir);
        }
        try (entries) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (dirKey.isEmpty() && name.equals(BlobKeys.MULTIPART_DIR)) {
                    continue;
                }
                String key = dirKey.isEmpty() ? name : dirKey + "/" + name;
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (name.startsWith(BlobKeys.TEMP_MARK)) {
                    if (found.forDelete && wholeDirectory && attributes.lastModifiedTime().toInstant()
                            .isBefore(Instant.now().minus(STALE_TEMP))) {
                        found.files.add(entry);
                    }
                } else if (attributes.isDirectory()) {
                    String sub = key + "/";
                    if (sub.startsWith(prefix) || prefix.startsWith(sub)) {
                        walk(entry, key, found);
                    }
                } else if (attributes.isRegularFile() && key.startsWith(prefix)) {
                    found.objects.add(new BlobInfo(key, attributes.size(),
                            attributes.lastModifiedTime().toInstant()));
                    found.files.add(entry);
                }
            }
        }
    }

    @FunctionalInterface
    private interface Writer {
        void write(FileChannel out) throws IOException;
    }

    /**
     * Writes {@code target} through a temporary file in its directory: written, forced to disk, renamed over the
     * target, and the directory forced too. Directories created on the way are forced into their parents.
     */
    private void writeAtomically(Path target, boolean createDirectories, Writer writer) throws IOException {
        Path dir = target.getParent();
        for (int attempt = 1; ; attempt++) {
            if (createDirectories) {
                createDirectoriesDurably(dir);
            }
            Path temp = dir.resolve(BlobKeys.TEMP_MARK + HexFormat.of().formatHex(randomBytes(8)));
            try {
                try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    writer.write(out);
                    out.force(true);
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                forceDirectory(dir);
                return;
            } catch (NoSuchFileException e) {
                // A concurrent delete removed the (then empty) directory between creating it and writing.
                deleteQuietly(temp);
                if (!createDirectories || attempt >= 3) {
                    throw e;
                }
            } catch (IOException | RuntimeException | Error e) {
                deleteQuietly(temp);
                throw e;
            }
        }
    }

    private void createDirectoriesDurably(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        List<Path> missing = new ArrayList<>();
        for (Path p = dir; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.add(0, p);
        }
        for (Path p : missing) {
            try {
                Files.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                if (!Files.isDirectory(p)) {
                    throw new FileAlreadyExistsException(p.toString(), null,
                            "an object is in the way of a directory");
                }
            }
            forceDirectory(p.getParent());
        }
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // Some file systems cannot sync a directory; the file itself was synced.
            log.debug("Cannot sync directory {}: {}", dir, e.toString());
        }
    }

    private void removeEmptyParents(Path dir) {
        for (Path p = dir; p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
            if (!deleteIfEmpty(p)) {
                return;
            }
        }
    }

    private static boolean deleteIfEmpty(Path dir) {
        try {
            Files.delete(dir);
            return true;
        } catch (DirectoryNotEmptyException | NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            log.debug("Cannot remove directory {}: {}", dir, e.toString());
            return false;
        }
    }

    private static void transferAll(FileChannel in, FileChannel out) throws IOException {
        long size = in.size();
        long done = 0;
        while (done < size) {
            long n = in.transferTo(done, size - done, out);
            if (n <= 0) {
                throw new EOFException("source shrank while copying");
            }
            done += n;
        }
    }

    /** Whether {@code e} only says that {@code path} is not there (or a file is where a directory should be). */
    private static boolean absent(IOException e, Path path) {
        if (e instanceof NoSuchFileException || e instanceof NotDirectoryException) {
            return true;
        }
        return e instanceof FileSystemException && !(e instanceof AccessDeniedException)
                && !Files.exists(path, LinkOption.NOFOLLOW_LINKS);
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    private static void copyExactly(InputStream in, FileChannel channel, long length) throws IOException {
        OutputStream out = Channels.newOutputStream(channel);
        byte[] buffer = new byte[64 * 1024];
        long remaining = length;
        while (remaining > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
            if (n < 0) {
                throw new EOFException("part content ended " + remaining + " bytes short of " + length);
            }
            out.write(buffer, 0, n);
            remaining -= n;
        }
        if (in.read() >= 0) {
            throw new IOException("part content is longer than the declared " + length + " bytes");
        }
    }

    private BlobStoreException failure(String operation, String key, IOException e) {
        if (e instanceof BlobStoreException b) {
            return b;
        }
        return new BlobStoreException(operation + " " + key + " in " + describe() + ": " + e, e);
    }

    /** Orders keys as S3 does: by Unicode code point (the order of their UTF-8 bytes). */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.debug("Cannot delete {}: {}", file, e.toString());
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // nothing to do
        }
    }

    /** Reads at most {@code remaining} bytes of the underlying stream. */
    private static final class BoundedInputStream extends FilterInputStream {
        private long remaining;

        BoundedInputStream(InputStream in, long remaining) {
            super(in);
            this.remaining = remaining;
        }

        @Override
        public int read() throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                remaining--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (remaining <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, remaining));
            if (n > 0) {
                remaining -= n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = in.skip(Math.min(n, remaining));
            remaining -= skipped;
            return skipped;
        }

        @Override
        public int available() throws IOException {
            return (int) Math.min(in.available(), remaining);
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
