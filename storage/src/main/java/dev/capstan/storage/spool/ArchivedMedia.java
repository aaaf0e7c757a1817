package dev.capstan.storage.spool;

import dev.capstan.storage.archive.RecordingId;
import java.util.List;

/**
 * A recording's final object, complete in the store.
 *
 * @param mediaKey     the store key of the one MP4
 * @param size         its length in bytes
 * @param sha256       hex SHA-256 of its bytes
 * @param extraKeys    the other objects stored beside it (thumbnail, metadata), by the file names given at sealing
 * @param segments     how many 2-s segments it holds
 */
public record ArchivedMedia(RecordingId id, String mediaKey, long size, String sha256, List<String> extraKeys,
        int segments) {

    public ArchivedMedia {
        extraKeys = List.copyOf(extraKeys);
    }
}
