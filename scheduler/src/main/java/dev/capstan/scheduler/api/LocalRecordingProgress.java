package dev.capstan.scheduler.api;

import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.scheduler.archive.DeliveredFps;
import dev.capstan.scheduler.plan.Mode;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.spool.UploadStatus;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The progress of recordings this process runs or ran: the session's state, the running recording's encoder
 * figures and destinations, the archive's upload. Asked first; a recording this process has no session of is left
 * to the sources after it (other nodes, then {@link CatalogRecordingProgress}).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class LocalRecordingProgress implements RecordingProgress {

    private final Sessions sessions;
    private final Recordings recordings;

    LocalRecordingProgress(Sessions sessions, Recordings recordings) {
        this.sessions = sessions;
        this.recordings = recordings;
    }

    @Override
    public Optional<Progress> of(RecordingId id) {
        Optional<Session> session = sessions.find(id);
        // A session continued after a fault (Jicofo's retry) records its current part under that part's own id.
        RecordingId part = session.map(Session::partId).orElse(id);
        Optional<Recording> running = recordings.running(part);
        PendingUploads pending = recordings.archive().upload(part).map(LocalRecordingProgress::pending)
                .orElse(PendingUploads.NONE);
        if (session.isPresent()) {
            return Optional.of(ofSession(session.get(), running, pending));
        }
        if (running.isPresent()) {
            // Started without a session (the demo): the recorder's own view.
            Recording recording = running.get();
            CaptureProgress encoder = recording.progress();
            return Optional.of(new Progress(id.value(), "running", null,
                    Mode.of(recording.request().recordsFile(),
                            recording.request().live().map(live -> live.destinations().size()).orElse(0)).wireName(),
                    recording.request().page().address().toString(), Map.of(), seconds(encoder), encoder.fps(),
                    encoder.speed(), encoder.bytes(), pending, recording.streams(), null, null, null, null, null,
                    null, null, null, DeliveredFps.now(encoder).orElse(null), trackCapture(part), null, false));
        }
        return Optional.empty();
    }

    private Progress ofSession(Session session, Optional<Recording> running, PendingUploads pending) {
        SessionState state = session.state();
        Double duration = null;
        Double fps = null;
        Double speed = null;
        Long bytes = null;
        Double delivered = null;
        Optional<RecordingEntry> entry = Optional.empty();
        if (running.isPresent()) {
            CaptureProgress encoder = running.get().progress();
            duration = seconds(encoder);
            fps = encoder.fps();
            speed = encoder.speed();
            bytes = encoder.bytes();
            delivered = DeliveredFps.now(encoder).orElse(null);
        } else if (state.isFinal()) {
            // Ended: the archive's figures for the finished file, and what it lacks.
            entry = recordings.archive().catalog().find(session.recordingId());
            duration = entry.flatMap(RecordingEntry::duration).map(d -> d.toMillis() / 1000.0).orElse(null);
            bytes = entry.flatMap(RecordingEntry::sizeBytes).orElse(null);
        }
        Progress progress = Progress.ofSession(session, duration, fps, speed, bytes, pending,
                running.map(Recording::streams).orElse(null), null, null, state.isFinal())
                .withDeliveredFps(delivered).withSpeakerTracks(trackCapture(session.partId()))
                .withPauses(PauseStatus.of(recordings.archive().pauses(session.partId()), Instant.now()).orElse(null));
        return entry.map(progress::withArchived).orElse(progress);
    }

    private SpeakerTracksStatus trackCapture(RecordingId part) {
        return recordings.trackCapture(part).map(SpeakerTracksStatus::of).orElse(null);
    }

    private static Double seconds(CaptureProgress encoder) {
        return encoder.recorded().toMillis() / 1000.0;
    }

    static PendingUploads pending(UploadStatus upload) {
        return new PendingUploads(upload.pendingSegments(), upload.pendingBytes());
    }
}
