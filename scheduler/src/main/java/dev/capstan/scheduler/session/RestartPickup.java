package dev.capstan.scheduler.session;

import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingStatus;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Picks up, once the application is ready, the sessions that an earlier process of this scheduler instance left
 * unfinished. Those on the embedded node lost their recorder with that process: the archive has already kept what
 * they recorded (it seals such recordings as partial, "interrupted by a restart"), so they finalize and are done
 * once the archive has settled them, or fail if nothing was kept. Those on other nodes may still be recording
 * there: every {@link SessionRecovery} bean hears of them.
 */
@Component
class RestartPickup {

    static final String INTERRUPTED = "interrupted by a restart";
    static final String NOT_STARTED = "the scheduler restarted before it started";

    private static final Logger log = LoggerFactory.getLogger(RestartPickup.class);

    private final Sessions sessions;
    private final RecordingArchive archive;
    private final ObjectProvider<SessionRecovery> recoveries;

    RestartPickup(Sessions sessions, RecordingArchive archive, ObjectProvider<SessionRecovery> recoveries) {
        this.sessions = sessions;
        this.archive = archive;
        this.recoveries = recoveries;
    }

    @EventListener(ApplicationReadyEvent.class)
    void pickUp() {
        List<Session> unfinished = sessions.adoptUnfinished();
        if (!unfinished.isEmpty()) {
            log.info("{} session(s) of {} were unfinished when it last stopped; picking them up", unfinished.size(),
                    sessions.instance());
        }
        for (Session session : unfinished) {
            try {
                pickUp(session);
            } catch (RuntimeException e) {
                log.error("{}: could not be picked up after the restart", session, e);
            }
        }
    }

    private void pickUp(Session session) {
        if (!session.node().equals(Session.LOCAL)) {
            List<SessionRecovery> all = recoveries.orderedStream().toList();
            if (all.isEmpty()) {
                log.warn("{}: left {} on node {}, and nothing here recovers sessions of other nodes", session,
                        session.state().name(), session.node().isEmpty() ? "(none yet)" : session.node());
            }
            all.forEach(recovery -> recovery.recover(session));
            return;
        }
        SessionState state = session.state();
        if (state instanceof SessionState.Requested || state instanceof SessionState.Starting) {
            sessions.moveTo(session, new SessionState.Failed(Instant.now(), SessionFailure.other(NOT_STARTED, true)));
            return;
        }
        if (!(state instanceof SessionState.Finalizing)) {
            sessions.moveTo(session, new SessionState.Finalizing(Instant.now(), INTERRUPTED));
        }
        archive.settled(session.recordingId()).whenComplete((entry, error) ->
                sessions.moveTo(session, settled(entry, error)));
    }

    /** Done once the archive kept something of it; failed if it kept nothing. */
    private static SessionState settled(Optional<RecordingEntry> entry, Throwable error) {
        Instant now = Instant.now();
        if (error != null) {
            return new SessionState.Failed(now, SessionFailure.archive(error.getMessage()));
        }
        if (entry.isEmpty()) {
            // A live stream that kept no file: nothing of it outlives its process.
            return new SessionState.Failed(now, SessionFailure.other(INTERRUPTED + "; nothing was kept", true));
        }
        if (entry.get().status() == RecordingStatus.FAILED) {
            // The archive's own reason is the ending itself when nothing was recorded.
            String detail = entry.get().statusDetail().filter(reason -> !reason.equals(INTERRUPTED))
                    .orElse("nothing was recorded");
            return new SessionState.Failed(now, SessionFailure.other(INTERRUPTED + "; " + detail, false));
        }
        return new SessionState.Done(now);
    }
}
