package dev.capstan.scheduler.session;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Picks up, once the application is ready, the sessions that an earlier process of this scheduler instance left
 * unfinished (and that no other scheduler has adopted meanwhile, see {@link SessionAdoption}). Those on the
 * embedded node lost their recorder with that process: the archive has already kept what they recorded (it seals
 * such recordings as partial, "interrupted by a restart"), so they finalize and are done once the archive has
 * settled them, or fail if nothing was kept. Those on other nodes may still be recording there: every
 * {@link SessionRecovery} bean hears of them ({@link SessionTakeover}).
 */
@Component
class RestartPickup {

    static final String INTERRUPTED = "interrupted by a restart";
    static final String NOT_STARTED = "the scheduler restarted before it started";

    private static final Logger log = LoggerFactory.getLogger(RestartPickup.class);

    private final Sessions sessions;
    private final SessionTakeover takeover;

    RestartPickup(Sessions sessions, SessionTakeover takeover) {
        this.sessions = sessions;
        this.takeover = takeover;
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
                takeover.takeUp(session, new Takeover.Restart());
            } catch (RuntimeException e) {
                log.error("{}: could not be picked up after the restart", session, e);
            }
        }
    }
}
