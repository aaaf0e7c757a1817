package dev.capstan.scheduler.session;

import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingStatus;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Takes up a session that this process now drives but did not start ({@link Takeover}). One on another node may
 * still be recording there: every {@link SessionRecovery} bean hears of it. One on the embedded node of the process
 * that drove it lost its recorder with that process: it finalizes and is done once the archive has settled what it
 * recorded (as partial), or fails if nothing was kept; one that had not started yet fails, retryable.
 */
@Component
class SessionTakeover {

    private static final Logger log = LoggerFactory.getLogger(SessionTakeover.class);

    private final SessionDriver driver;
    private final RecordingArchive archive;
    private final ObjectProvider<SessionRecovery> recoveries;

    SessionTakeover(SessionDriver driver, RecordingArchive archive, ObjectProvider<SessionRecovery> recoveries) {
        this.driver = driver;
        this.recoveries = recoveries;
        this.archive = archive;
    }

    void takeUp(Session session, Takeover takeover) {
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
            driver.failed(session, SessionFailure.other(takeover.notStarted(), true), SessionListener.NONE);
            return;
        }
        if (!(state instanceof SessionState.Finalizing)) {
            driver.ended(session, takeover.interrupted(), Optional.empty(), SessionListener.NONE);
        }
        archived(session, takeover).whenComplete((entry, error) -> settled(session, takeover, entry, error));
    }

    /**
     * A restarted process's archive seals what its spool kept; so it does for a gone scheduler that ran on this host
     * under another name. Otherwise a gone scheduler's spool is out of reach, and what reached the store is salvaged.
     */
    private CompletableFuture<Optional<RecordingEntry>> archived(Session session, Takeover takeover) {
        boolean spooledHere = archive.upload(session.partId()).isPresent();
        return takeover instanceof Takeover.Adoption && !spooledHere
                ? archive.salvage(session.partId(), takeover.interrupted())
                : archive.settled(session.recordingId());
    }

    /** Done once the archive kept something of it; failed, saying it was interrupted, if it kept nothing. */
    private void settled(Session session, Takeover takeover, Optional<RecordingEntry> entry, Throwable error) {
        String interrupted = takeover.interrupted();
        if (error == null && entry.isEmpty()) {
            // A live stream that kept no file: nothing of it outlives its process.
            driver.failed(session, SessionFailure.other(interrupted + "; nothing was kept", true),
                    SessionListener.NONE);
        } else if (error == null && entry.get().status() == RecordingStatus.FAILED) {
            // The archive's own reason is the ending itself when nothing was recorded.
            String detail = entry.get().statusDetail().filter(reason -> !reason.equals(interrupted))
                    .orElse("nothing was recorded");
            driver.failed(session, SessionFailure.other(interrupted + "; " + detail, false), SessionListener.NONE);
        } else {
            driver.settled(session, entry, error);
        }
    }
}
