package dev.capstan.scheduler.api;

import dev.capstan.scheduler.jibri.JibriService;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.scheduler.session.Sessions;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/sessions}: every session this process runs or recently ran, however it was started (Jicofo,
 * Jibri's HTTP API, REST), with its state; {@code GET /api/v1/jibri}: the brewery occupants Jicofo sees.
 */
@RestController
@RequestMapping("/api/v1")
class SessionsController {

    private final Sessions sessions;
    private final JibriService jibri;

    SessionsController(Sessions sessions, JibriService jibri) {
        this.sessions = sessions;
        this.jibri = jibri;
    }

    /** One session as the API shows it. */
    record SessionView(String recordingId, String origin, String sessionId, String mode, String meeting,
            Instant requestedAt, String state, Instant since, String failure, Boolean retryable) {

        static SessionView of(Session session) {
            SessionState state = session.state();
            SessionState.Failed failed = state instanceof SessionState.Failed f ? f : null;
            return new SessionView(session.recordingId().value(), session.origin(), session.sessionId().orElse(null),
                    session.mode(), session.meeting(), session.requestedAt(), state.name(), state.since(),
                    failed == null ? null : failed.reason(), failed == null ? null : failed.retryable());
        }
    }

    @GetMapping("/sessions")
    List<SessionView> sessions() {
        return sessions.list().stream().map(SessionView::of).toList();
    }

    @GetMapping("/jibri")
    List<JibriService.OccupantView> occupants() {
        return jibri.occupants();
    }
}
