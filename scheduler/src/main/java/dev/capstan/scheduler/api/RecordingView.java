package dev.capstan.scheduler.api;

import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.spool.UploadStatus;
import java.time.Instant;
import java.util.Optional;

/**
 * A recording as the API shows it. {@code upload} is present while its media is on its way to the store;
 * {@code spooling} there means the store is unreachable and segments are waiting on local disk.
 */
record RecordingView(
        String id,
        String room,
        String meetingUrl,
        String sessionId,
        String mode,
        String status,
        String statusDetail,
        Instant startedAt,
        Instant endedAt,
        Double durationSeconds,
        Long sizeBytes,
        String checksum,
        @JsonRawValue String participants,
        @JsonRawValue String appData,
        Upload upload,
        Links links) {

    record Upload(String phase, int pendingSegments, long pendingBytes, long uploadedBytes, boolean spooling,
            int failedAttempts, Instant failingSince, Instant nextAttempt, String lastError) {

        static Upload of(UploadStatus status) {
            return new Upload(status.phase().name(), status.pendingSegments(), status.pendingBytes(),
                    status.uploadedBytes(), status.spooling(), status.failedAttempts(),
                    status.failingSince().orElse(null), status.nextAttempt().orElse(null),
                    status.lastError().orElse(null));
        }
    }

    record Links(String self, String media, String thumbnail) {
    }

    static RecordingView of(RecordingEntry entry, Optional<UploadStatus> upload) {
        String self = RecordingsController.PATH + "/" + entry.id().value();
        return new RecordingView(entry.id().value(), entry.room().orElse(null), entry.meetingUrl(),
                entry.sessionId().orElse(null), entry.mode().name(), entry.status().name(),
                entry.statusDetail().orElse(null), entry.startedAt(), entry.endedAt().orElse(null),
                entry.duration().map(duration -> duration.toMillis() / 1000.0).orElse(null),
                entry.sizeBytes().orElse(null), entry.checksum().orElse(null), entry.participantsJson(),
                entry.appDataJson(), upload.map(Upload::of).orElse(null),
                new Links(self, entry.mediaKey().isPresent() ? self + "/media" : null,
                        entry.thumbnailKey().isPresent() ? self + "/thumbnail" : null));
    }
}
