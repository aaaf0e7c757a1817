package dev.capstan.scheduler.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.tracks.TrackCaptureStatus;
import dev.capstan.scheduler.archive.ArchivedTracks;
import dev.capstan.scheduler.archive.RecordingPauses;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Where a recording stands now, for {@code GET /api/v1/recordings/{id}/status} and its event stream. One source per
 * place recordings are known: {@link LocalRecordingProgress} (asked first) knows this process's sessions,
 * {@link CatalogRecordingProgress} (asked last) what the catalog says; a source for recordings running on other
 * nodes is another bean ordered between them. The API asks them in order ({@link #firstOf}): the first that knows
 * the recording answers.
 */
public interface RecordingProgress {

    /** The recording's progress, or empty when this source does not know it. */
    Optional<Progress> of(RecordingId id);

    /** Asks each source in turn; the first non-empty answer wins. */
    static RecordingProgress firstOf(List<? extends RecordingProgress> sources) {
        List<RecordingProgress> ordered = List.copyOf(sources);
        return id -> {
            for (RecordingProgress source : ordered) {
                Optional<Progress> progress = source.of(id);
                if (progress.isPresent()) {
                    return progress;
                }
            }
            return Optional.empty();
        };
    }

    /**
     * A recording's status as the API shows it. Absent figures are left out of the JSON.
     *
     * @param state           its session's state ({@code pending}, {@code on}, {@code paused}, {@code stopping},
     *                        {@code finalizing}, {@code done}, {@code failed}); for a recording this process has no
     *                        session of, the catalog's status ({@code recording}, {@code uploading}, {@code ready},
     *                        {@code partial}, {@code failed})
     * @param since           when it entered that state
     * @param mode            {@code file}, {@code stream} or {@code both}
     * @param meeting         the page or meeting it records
     * @param metadata        the requester's own data about it (REST {@code metadata}, Jicofo's {@code app_data})
     * @param durationSeconds media recorded so far (the encoder's clock), or the finished recording's length
     * @param fps             the encoder's frames per second now
     * @param speed           the encoder's speed (× real time; below about 0.98 the host cannot keep up)
     * @param bytes           bytes written so far, or the stored file's size
     * @param pendingUploads  segments and bytes on local disk that the store does not have yet
     * @param streams         its live destinations (addresses masked) while it runs
     * @param node            the node that records it, when another than this process
     * @param part            which part of its session this recording is, when later than the first
     * @param failure         why it failed, once it has: its reason's wire name, a colon and what happened
     * @param failureReason   that reason alone, by its stable wire name ({@code page-unreachable}, ...)
     * @param retryable       whether another attempt could succeed where this one failed
     * @param status          the archive's status once it has settled the recording: {@code ready}, {@code partial}
     *                        or {@code failed}
     * @param lostSeconds     media the settled recording lacks of the time it was on (0 when {@code ready})
     * @param lossCause       why, by a fixed vocabulary ({@code encoder-died}, ...; see the recording's view)
     * @param deliveredFps    distinct frames per second the encoder delivers now, or delivered in the end
     * @param speakerTracks   how the capture of each speaker's sound goes (or went), for a recording that asked
     * @param pauses          how it has paused so far, for a recording running here that has paused
     * @param settled         whether this is its last state: nothing changes any more (not shown)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Progress(String id, String state, Instant since, String mode, String meeting, Map<String, Object> metadata,
            Double durationSeconds, Double fps, Double speed, Long bytes, PendingUploads pendingUploads,
            List<StreamStats> streams, String node, Integer part, String failure, String failureReason,
            Boolean retryable, String status, Double lostSeconds, String lossCause, Double deliveredFps,
            SpeakerTracksStatus speakerTracks, PauseStatus pauses, @JsonIgnore boolean settled) {

        public Progress {
            metadata = metadata == null ? Map.of() : metadata;
            streams = streams == null ? List.of() : List.copyOf(streams);
            pendingUploads = pendingUploads == null ? PendingUploads.NONE : pendingUploads;
        }

        /**
         * A session's recording: its state (and failure), mode, meeting and metadata as the session has them, with
         * the figures the asking source knows (any of them null when it knows none).
         */
        public static Progress ofSession(Session session, Double durationSeconds, Double fps, Double speed,
                Long bytes, PendingUploads pendingUploads, List<StreamStats> streams, String node, Integer part,
                boolean settled) {
            SessionState state = session.state();
            SessionState.Failed failed = state instanceof SessionState.Failed f ? f : null;
            return new Progress(session.recordingId().value(), state.name(), state.since(), session.mode().wireName(),
                    session.meeting(), session.metadata(), durationSeconds, fps, speed, bytes, pendingUploads,
                    streams, node, part, failed == null ? null : failed.failure().text(),
                    failed == null ? null : failed.failure().reason().wireName(),
                    failed == null ? null : failed.retryable(), null, null, null, null, null, null, settled);
        }

        /** With the live frame rate of a running recording (null: not known yet). */
        Progress withDeliveredFps(Double fps) {
            return new Progress(id, state, since, mode, meeting, metadata, durationSeconds, this.fps, speed, bytes,
                    pendingUploads, streams, node, part, failure, failureReason, retryable, status, lostSeconds,
                    lossCause, fps, speakerTracks, pauses, settled);
        }

        /** With how the capture of each speaker's sound goes (null: none asked for, or not known yet). */
        Progress withSpeakerTracks(SpeakerTracksStatus tracks) {
            return new Progress(id, state, since, mode, meeting, metadata, durationSeconds, fps, speed, bytes,
                    pendingUploads, streams, node, part, failure, failureReason, retryable, status, lostSeconds,
                    lossCause, deliveredFps, tracks, pauses, settled);
        }

        /** With how it has paused so far (null: never). */
        Progress withPauses(PauseStatus paused) {
            return new Progress(id, state, since, mode, meeting, metadata, durationSeconds, fps, speed, bytes,
                    pendingUploads, streams, node, part, failure, failureReason, retryable, status, lostSeconds,
                    lossCause, deliveredFps, speakerTracks, paused, settled);
        }

        /** With what the archive says of a recording it has settled; unchanged while it has not. */
        Progress withArchived(RecordingEntry entry) {
            if (!entry.status().isFinal()) {
                return this;
            }
            return new Progress(id, state, since, mode, meeting, metadata, durationSeconds, fps, speed, bytes,
                    pendingUploads, streams, node, part, failure, failureReason, retryable,
                    entry.status().name().toLowerCase(Locale.ROOT), entry.lostSeconds().orElse(null),
                    entry.lossCause().orElse(null), entry.deliveredFps().orElse(deliveredFps),
                    SpeakerTracksStatus.of(entry).orElse(speakerTracks), pauses, settled);
        }
    }

    /**
     * How the capture of each speaker's sound goes: {@code captured}, {@code not-offered} (the page is not a Jitsi
     * meeting: the composite alone is recorded) or {@code failed} (the composite goes on); how many speakers have
     * sound in a file so far; and why not, or what went wrong.
     */
    record SpeakerTracksStatus(String capture, int speakers, String detail) {

        static SpeakerTracksStatus of(TrackCaptureStatus status) {
            return new SpeakerTracksStatus(status.capture().wireName(), status.speakers(), status.detail());
        }

        /** What the archive filed, once it has (empty for a recording without speaker tracks). */
        static Optional<SpeakerTracksStatus> of(RecordingEntry entry) {
            try {
                return ArchivedTracks.of(entry).map(tracks -> new SpeakerTracksStatus(
                        tracks.tracks().capture().wireName(), tracks.speakersWithFiles(), tracks.tracks().detail()));
            } catch (IllegalStateException unreadable) {
                return Optional.empty();
            }
        }
    }

    /**
     * How a recording has paused: since when, while it is paused (null otherwise); how many times, and for how
     * long in all (wall time, the current pause up to now).
     */
    record PauseStatus(Instant pausedSince, int count, double pausedSeconds) {

        /** Its pauses so far; empty when it never paused. */
        static Optional<PauseStatus> of(RecordingPauses pauses, Instant now) {
            if (pauses.pauses().isEmpty()) {
                return Optional.empty();
            }
            RecordingPauses.Pause last = pauses.pauses().get(pauses.pauses().size() - 1);
            return Optional.of(new PauseStatus(last.resumedAt() == null ? last.pausedAt() : null,
                    pauses.pauses().size(), pauses.total(now).toMillis() / 1000.0));
        }
    }

    /** Segments and bytes waiting on local disk for the store. */
    record PendingUploads(int segments, long bytes) {

        static final PendingUploads NONE = new PendingUploads(0, 0);
    }
}
