package dev.capstan.scheduler.api;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.swagger.v3.oas.annotations.media.Schema;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.spool.UploadStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A recording as the API shows it. {@code upload} is present while its media is on its way to the store;
 * {@code spooling} there means the store is unreachable and segments are waiting on local disk.
 *
 * <p>A session that moved to another slot after a fault is one top-level recording (part 1) with later parts
 * below it. {@code part} says which part a recording is and {@code parent} names its top-level recording (null
 * for that one). {@code parts}, in the view of one top-level recording, lists the whole session in order, itself
 * first (a single entry when nothing moved); list items and parts themselves leave it null.
 *
 * <p>{@code durationSeconds} is the stored file's duration, measured from its media. {@code lostSeconds} is how much
 * media it lacks of the time it was on (0 when READY; null while not known) and {@code lossCause} why, by a fixed
 * vocabulary ({@code encoder-died}, {@code encoder-killed-at-stop}, {@code recorder-failed}, {@code node-lost},
 * {@code recorder-restarted}, {@code store-failed}, {@code short-file}); {@code deliveredFps} is the distinct
 * frames per second the encoder delivered.
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
        Double lostSeconds,
        String lossCause,
        Double deliveredFps,
        Long sizeBytes,
        String checksum,
        @Schema(types = "array", description = "the participants the recording saw, each an object with id, "
                + "displayName and identity") @JsonRawValue String participants,
        @Schema(types = "object", description = "the metadata it was started with") @JsonRawValue String appData,
        Upload upload,
        Links links,
        int part,
        String parent,
        List<Part> parts) {

    /** One part of a session: enough to show it in order and play it from its own media endpoint. */
    record Part(int part, String id, String status, String statusDetail, Instant startedAt, Instant endedAt,
            Double durationSeconds, Double lostSeconds, String lossCause, Long sizeBytes, String media) {

        static Part of(RecordingEntry entry) {
            return new Part(entry.part(), entry.id().value(), entry.status().name(),
                    entry.statusDetail().orElse(null), entry.startedAt(), entry.endedAt().orElse(null),
                    seconds(entry), entry.lostSeconds().orElse(null), entry.lossCause().orElse(null),
                    entry.sizeBytes().orElse(null), mediaLink(entry));
        }
    }

    record Upload(String phase, int pendingSegments, long pendingBytes, long uploadedBytes, boolean spooling,
            int failedAttempts, Instant failingSince, Instant nextAttempt, String lastError) {

        static Upload of(UploadStatus status) {
            return new Upload(status.phase().name(), status.pendingSegments(), status.pendingBytes(),
                    status.uploadedBytes(), status.spooling(), status.failedAttempts(),
                    status.failingSince().orElse(null), status.nextAttempt().orElse(null),
                    status.lastError().orElse(null));
        }
    }

    /**
     * {@code tracks}: the speaker tracks filed with it, when it has them; {@code timeline}: who was audible when
     * and where it was paused, when it has either.
     */
    record Links(String self, String media, String thumbnail, String tracks, String timeline) {
    }

    static RecordingView of(RecordingEntry entry, Optional<UploadStatus> upload) {
        return of(entry, upload, null);
    }

    /** @param parts the session's recordings in order (from {@code Catalog.parts}), or null to leave them out */
    static RecordingView of(RecordingEntry entry, Optional<UploadStatus> upload, List<RecordingEntry> parts) {
        String self = RecordingsController.PATH + "/" + entry.id().value();
        return new RecordingView(entry.id().value(), entry.room().orElse(null), entry.meetingUrl(),
                entry.sessionId().orElse(null), entry.mode().name(), entry.status().name(),
                entry.statusDetail().orElse(null), entry.startedAt(), entry.endedAt().orElse(null),
                seconds(entry), entry.lostSeconds().orElse(null), entry.lossCause().orElse(null),
                entry.deliveredFps().orElse(null),
                entry.sizeBytes().orElse(null), entry.checksum().orElse(null), entry.participantsJson(),
                entry.appDataJson(), upload.map(Upload::of).orElse(null),
                new Links(self, mediaLink(entry), entry.thumbnailKey().isPresent() ? self + "/thumbnail" : null,
                        entry.tracksJson().isPresent() ? self + "/tracks" : null,
                        entry.tracksJson().isPresent() || entry.pausesJson().isPresent() ? self + "/timeline" : null),
                entry.part(), entry.parent().map(RecordingId::value).orElse(null),
                parts == null ? null : parts.stream().map(Part::of).toList());
    }

    private static Double seconds(RecordingEntry entry) {
        return entry.duration().map(duration -> duration.toMillis() / 1000.0).orElse(null);
    }

    /** The finished file's address, once it has one. */
    static String mediaLink(RecordingEntry entry) {
        return entry.mediaKey().isPresent() ? RecordingsController.PATH + "/" + entry.id().value() + "/media" : null;
    }
}
