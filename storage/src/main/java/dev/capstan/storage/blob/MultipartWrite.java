package dev.capstan.storage.blob;

import java.io.IOException;
import java.io.InputStream;

/** One object being written in numbered parts. Parts may be uploaded in any order and replaced until {@link #complete}. */
public interface MultipartWrite {

    /** The store's handle for this write, persisted so that a restarted process can resume it. */
    String uploadId();

    String key();

    /**
     * Uploads (or replaces) part {@code number} (1-based) of exactly {@code length} bytes. {@code content} is
     * opened once per attempt, so an implementation may retry.
     */
    void putPart(int number, Content content, long length) throws BlobStoreException;

    /** Joins parts 1..{@code parts} into the object, which then appears atomically. */
    void complete(int parts) throws BlobStoreException;

    /** Discards the parts; the object is not created. */
    void abort() throws BlobStoreException;

    /** A part's bytes, which can be read more than once. */
    @FunctionalInterface
    interface Content {
        InputStream open() throws IOException;
    }
}
