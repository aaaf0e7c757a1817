package dev.capstan.storage.blob;

/** The store has no object under the key asked for. */
public class NoSuchBlobException extends BlobStoreException {

    public NoSuchBlobException(String key) {
        super("no object " + key);
    }
}
