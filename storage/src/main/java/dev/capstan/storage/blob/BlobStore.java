package dev.capstan.storage.blob;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where finished and in-progress recordings are kept: a local directory or an S3 bucket. Keys are relative
 * ({@code <recording-id>/segments/seg_00001.m4s}); an S3 store adds its configured prefix.
 *
 * <p>Every store accepts the same keys: relative {@code a/b/c} paths of at most 1024 characters without empty,
 * {@code .} or {@code ..} segments, backslashes or control characters (the first segment {@code .multipart} and
 * segments starting with {@code .capstan-tmp-} are reserved). Any other key, or a list/delete prefix whose complete
 * segments break these rules, is an {@link IllegalArgumentException}, not a {@link BlobStoreException}. A local
 * store cannot hold both {@code a} and {@code a/b}.
 *
 * <p>Every failure to reach the store is a {@link BlobStoreException}, so callers can spool and retry. Nothing
 * an implementation logs or puts in an exception message contains a credential.
 */
public interface BlobStore extends AutoCloseable {

    /** Stores a whole file under {@code key}, replacing what was there. */
    void put(String key, Path file, String contentType) throws BlobStoreException;

    /** Stores bytes under {@code key}, replacing what was there. */
    void put(String key, byte[] content, String contentType) throws BlobStoreException;

    /** The object's size and modification time, or empty if there is none. */
    Optional<BlobInfo> stat(String key) throws BlobStoreException;

    /**
     * Reads {@code length} bytes from {@code offset} ({@code length < 0}: to the end). The caller closes the stream.
     *
     * @throws NoSuchBlobException if there is no such object
     */
    InputStream read(String key, long offset, long length) throws BlobStoreException;

    /** Objects whose key starts with {@code prefix}, in key order. */
    List<BlobInfo> list(String prefix) throws BlobStoreException;

    /** Deletes one object; deleting a missing object is not an error. */
    void delete(String key) throws BlobStoreException;

    /** Deletes every object whose key starts with {@code prefix}. */
    void deleteAll(String prefix) throws BlobStoreException;

    /**
     * A time-limited URL that fetches the object without credentials, where the store supports it (S3); empty
     * for stores that do not (a local directory).
     */
    Optional<URI> presignedGet(String key, Duration validity, String downloadName) throws BlobStoreException;

    /**
     * Starts writing one object from numbered parts. An S3 store uses a multipart upload, so parts uploaded
     * while a recording runs are joined in the store at the end without sending the bytes again.
     */
    MultipartWrite startMultipart(String key, String contentType) throws BlobStoreException;

    /** Continues a multipart write started earlier (for example before a restart), if the store still has it. */
    Optional<MultipartWrite> resumeMultipart(String key, String uploadId) throws BlobStoreException;

    /**
     * The smallest size of every part but the last (S3: 5 MiB). Callers group content into parts at least this
     * large.
     */
    long minimumPartSize();

    /** Where objects go, for logs and status: {@code file:/srv/recordings} or {@code s3://bucket/prefix}. No secrets. */
    String describe();

    @Override
    void close();

    /** An object's key, size in bytes and last modification. */
    record BlobInfo(String key, long size, java.time.Instant modified) {
    }
}
