package dev.capstan.storage.spool;

import dev.capstan.storage.archive.RecordingId;
import java.time.Instant;
import java.util.Optional;

/**
 * Where one recording's upload stands, for status endpoints and metrics.
 *
 * @param pendingSegments segments on local disk that the store does not have yet
 * @param pendingBytes    their size
 * @param uploadedBytes   bytes sent to the store so far (segments and parts)
 * @param failingSince    when the store started failing, if it is failing now
 * @param lastError       the store's last error (no credentials), while it is failing
 */
public record UploadStatus(
        RecordingId id,
        Phase phase,
        int pendingSegments,
        long pendingBytes,
        long uploadedBytes,
        int failedAttempts,
        Optional<Instant> failingSince,
        Optional<Instant> nextAttempt,
        Optional<String> lastError) {

    public enum Phase {
        /** Segments go to the store as the recording makes them. */
        STREAMING,
        /** The recording ended; the final object is being put together in the store. */
        FINISHING,
        /** The final object is in the store. */
        COMPLETE,
        /** The local files cannot be read any more; what reached the store stays there. */
        FAILED
    }

    /** True while the store is unreachable and segments wait on local disk. */
    public boolean spooling() {
        return failingSince.isPresent();
    }
}
