package dev.capstan.storage.archive;

import java.util.Objects;

/**
 * Where a recording stands in a session that moved to another slot after a fault: part {@code number} of the
 * top-level recording {@code parent}, which is itself part 1. A part is an ordinary recording (its own id, media
 * and status); the catalog lists only the top-level recording and finds the rest with {@link Catalog#parts}.
 *
 * @param parent the session's first recording, the one the catalog lists
 * @param number 2 for the first recording after a fault, and so on
 */
public record PartOf(RecordingId parent, int number) {

    public PartOf {
        Objects.requireNonNull(parent, "parent");
        if (number < 2) {
            throw new IllegalArgumentException("a part below a recording is number 2 or more (the recording itself is"
                    + " part 1), not " + number);
        }
    }
}
