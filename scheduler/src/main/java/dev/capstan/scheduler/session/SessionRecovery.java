package dev.capstan.scheduler.session;

/**
 * Takes up a session that an earlier process of this scheduler instance left unfinished on a node other than its
 * embedded one (which died with the process, see {@link RestartPickup}): the fleet reconnects to it or places it
 * again. Called once per such session when the application is ready, with the session live in this process.
 */
public interface SessionRecovery {

    void recover(Session session);
}
