package dev.capstan.scheduler.session;

import dev.capstan.storage.archive.RecordingId;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One recording or stream as its requester sees it: who asked (Jicofo through a brewery occupant, Jibri's HTTP
 * API, REST), for which meeting, and where it is in its life. Moves only along {@link SessionState#canMoveTo}.
 *
 * @param origin    who started it, e.g. {@code xmpp:prod/127.0.0.1/node-1} or {@code jibri-http}
 * @param sessionId the requester's own id for it (Jicofo's {@code session_id}), if any
 * @param metadata  the requester's own data about it, passed back in webhooks and status (REST {@code metadata},
 *                  Jicofo's {@code app_data})
 */
public final class Session {

    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final RecordingId recordingId;
    private final String origin;
    private final Optional<String> sessionId;
    private final String mode;
    private final String meeting;
    private final Map<String, Object> metadata;
    private final Instant requestedAt;
    private volatile SessionState state;

    public Session(RecordingId recordingId, String origin, Optional<String> sessionId, String mode, String meeting,
            Map<String, Object> metadata, Instant requestedAt) {
        this.recordingId = recordingId;
        this.origin = origin;
        this.sessionId = sessionId;
        this.mode = mode;
        this.meeting = meeting;
        this.metadata = Map.copyOf(metadata);
        this.requestedAt = requestedAt;
        this.state = new SessionState.Pending(requestedAt);
    }

    /**
     * Moves to {@code next} if the life cycle allows it from here.
     *
     * @return false (and nothing changes) when it does not, e.g. a late event after the session failed
     */
    public synchronized boolean moveTo(SessionState next) {
        if (!state.canMoveTo(next)) {
            log.debug("session {}: ignoring {} while {}", recordingId, next.name(), state.name());
            return false;
        }
        log.info("session {}{} ({} of {}, from {}): {} -> {}{}", recordingId,
                sessionId.map(id -> " [" + id + "]").orElse(""), mode, meeting, origin, state.name(), next.name(),
                next instanceof SessionState.Failed failed ? ": " + failed.reason() : "");
        state = next;
        return true;
    }

    public RecordingId recordingId() {
        return recordingId;
    }

    public String origin() {
        return origin;
    }

    public Optional<String> sessionId() {
        return sessionId;
    }

    public String mode() {
        return mode;
    }

    public String meeting() {
        return meeting;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    public Instant requestedAt() {
        return requestedAt;
    }

    public SessionState state() {
        return state;
    }
}
