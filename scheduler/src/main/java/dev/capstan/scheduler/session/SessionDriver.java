package dev.capstan.scheduler.session;

import dev.capstan.scheduler.plan.Part;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The one owner of a session's transitions, whichever recorder runs it: the embedded node and the fleet report what
 * happened, and this moves the session through {@link SessionState}'s table (stored by stable names), tells its
 * requester through its {@link SessionListener}, and settles it by what the archive kept.
 */
@Component
public class SessionDriver {

    private final Sessions sessions;

    public SessionDriver(Sessions sessions) {
        this.sessions = sessions;
    }

    /**
     * Files a new session.
     *
     * @throws org.springframework.dao.DataAccessException when the session table cannot take it
     */
    public void file(Session session) {
        sessions.add(session);
    }

    /** A recorder is about to take {@code part} of it on {@code node}; false when it moved on meanwhile. */
    public boolean placing(Session session, String node, Part part) {
        return sessions.assign(session, node, part.number(), part.id(), new SessionState.Starting(Instant.now()));
    }

    /**
     * Makes this process drive a session another process or slot was recording, as its next part on {@code node},
     * now {@code pending} (Jicofo retried it here): one conditional update, so that of two takers one wins.
     *
     * @return false when it cannot be continued (stopping, ended) or another taker won
     */
    public boolean takeOver(Session session, String node, Part part) {
        return sessions.takeOver(session, node, part.number(), part.id());
    }

    /** A recorder has taken it: pending until it is on the air. */
    public void taken(Session session) {
        sessions.moveTo(session, new SessionState.Pending(Instant.now()));
    }

    /**
     * Its first frame is written or, without a file, a destination has it. A paused session stays paused: a node's
     * report that its part is on the air says nothing of pauses; only {@link #resumed} ends one.
     */
    public void onAir(Session session, SessionListener listener) {
        if (session.state() instanceof SessionState.Paused) {
            return;
        }
        if (sessions.moveTo(session, new SessionState.On(Instant.now()))) {
            listener.onAir();
        }
    }

    /** Its capture stopped for a pause {@code at}, its media standing at {@code position}. */
    public void paused(Session session, Instant at, Duration position) {
        sessions.moveFromStored(session, new SessionState.Paused(at, position));
    }

    /** Its capture is on again since {@code at} (the first frame after the pause). */
    public void resumed(Session session, Instant at) {
        sessions.moveFromStored(session, new SessionState.On(at));
    }

    public void stopping(Session session) {
        sessions.moveTo(session, new SessionState.Stopping(Instant.now()));
    }

    /**
     * The recorder is done and kept what it recorded: finalizing until the archive has settled it ({@link #settled}).
     *
     * @param how     how it ended, as the recorder tells it
     * @param failure why, if it failed after it was on (what it recorded is kept, as a partial recording)
     */
    public void ended(Session session, String how, Optional<SessionFailure> failure, SessionListener listener) {
        sessions.moveTo(session, new SessionState.Finalizing(Instant.now(), how));
        listener.ended(failure);
    }

    /** It failed with nothing to keep (before it was on, or a live stream without a file). */
    public void failed(Session session, SessionFailure failure, SessionListener listener) {
        sessions.moveTo(session, new SessionState.Failed(Instant.now(), failure));
        listener.ended(Optional.of(failure));
    }

    /**
     * Done once the archive kept something of it (ready or partial) or, for a live stream without a file, once it
     * ended ({@code entry} empty); failed when the archive kept nothing or could not settle it.
     */
    public void settled(Session session, Optional<RecordingEntry> entry, Throwable error) {
        Instant now = Instant.now();
        if (error != null) {
            sessions.moveTo(session, new SessionState.Failed(now, SessionFailure.archive(error.getMessage())));
        } else if (entry.isPresent() && entry.get().status() == RecordingStatus.FAILED) {
            sessions.moveTo(session, new SessionState.Failed(now,
                    SessionFailure.archive(entry.get().statusDetail().orElse("nothing was kept"))));
        } else {
            sessions.moveTo(session, new SessionState.Done(now));
        }
    }
}
