package dev.capstan.storage.blob;

import java.io.IOException;

/** The store could not be reached or refused an operation. The message never contains a credential. */
public class BlobStoreException extends IOException {

    public BlobStoreException(String message) {
        super(message);
    }

    public BlobStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
