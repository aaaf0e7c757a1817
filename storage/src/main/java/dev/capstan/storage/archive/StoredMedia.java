package dev.capstan.storage.archive;

import java.util.Objects;

/**
 * Where a recording's media was stored, as {@link Catalog#markReady} and {@link Catalog#markPartial} record it.
 *
 * @param location     where the media object is: the store that holds it (a name or URI)
 * @param mediaKey     the media object's key in that store
 * @param sizeBytes    the media object's size
 * @param checksum     its SHA-256 as hex, or null when not computed
 * @param thumbnailKey the thumbnail's key in the same store, or null when there is none
 */
public record StoredMedia(String location, String mediaKey, long sizeBytes, String checksum, String thumbnailKey) {

    public StoredMedia {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(mediaKey, "mediaKey");
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes must not be negative: " + sizeBytes);
        }
        Limits.check("location", location, Limits.LOCATION);
        Limits.check("mediaKey", mediaKey, Limits.KEY);
        Limits.check("checksum", checksum, Limits.CHECKSUM);
        Limits.check("thumbnailKey", thumbnailKey, Limits.KEY);
    }
}
