package dev.capstan.scheduler.api;

import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.scheduler.jibri.JibriService;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.scheduler.session.Sessions;
import java.time.Instant;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/sessions}: every session this process runs or recently ran, however it was started (Jicofo,
 * Jibri's HTTP API, REST), with its state and, while it runs, its live destinations (masked);
 * {@code GET /api/v1/jibri}: the brewery occupants Jicofo sees.
 */
@RestController
@RequestMapping("/api/v1")
class SessionsController {

    private final Sessions sessions;
    private final JibriService jibri;
    private final Recordings recordings;

    SessionsController(Sessions sessions, JibriService jibri, Recordings recordings) {
        this.sessions = sessions;
        this.jibri = jibri;
        this.recordings = recordings;
    }

    /** One session as the API shows it. */
    record SessionView(String recordingId, String origin, String sessionId, String mode, String meeting,
            Instant requestedAt, String state, Instant since, String failure, String failureReason,
            Boolean retryable, List<StreamStats> streams, RecordingProgress.SpeakerTracksStatus speakerTracks) {

        /**
         * @param streams       the live destinations of its recording while it runs (addresses masked); empty
         *                      otherwise
         * @param speakerTracks how the capture of each speaker's sound goes, for a recording that asked for it
         */
        static SessionView of(Session session, List<StreamStats> streams,
                RecordingProgress.SpeakerTracksStatus speakerTracks) {
            SessionState state = session.state();
            SessionState.Failed failed = state instanceof SessionState.Failed f ? f : null;
            return new SessionView(session.recordingId().value(), session.origin(), session.sessionId().orElse(null),
                    session.mode().wireName(), session.meeting(), session.requestedAt(), state.name(), state.since(),
                    failed == null ? null : failed.failure().text(),
                    failed == null ? null : failed.failure().reason().wireName(),
                    failed == null ? null : failed.retryable(), streams, speakerTracks);
        }
    }

    @GetMapping("/sessions")
    List<SessionView> sessions() {
        return sessions.list().stream().map(session -> SessionView.of(session, recordings.running(session.recordingId())
                .map(Recording::streams).orElse(List.of()), recordings.trackCapture(session.partId())
                .map(RecordingProgress.SpeakerTracksStatus::of).orElse(null))).toList();
    }

    @GetMapping("/jibri")
    List<JibriService.OccupantView> occupants() {
        return jibri.occupants();
    }
}
