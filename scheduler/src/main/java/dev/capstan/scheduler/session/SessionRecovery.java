package dev.capstan.scheduler.session;

/**
 * Takes up a session on a node other than the embedded one that this process now drives but did not start: an
 * earlier process of this scheduler instance left it unfinished ({@link RestartPickup}), or its scheduler is gone for
 * good and this one adopted it ({@link SessionAdoption}). The fleet reconnects to it or places it again. Called once
 * per such session, with the session live in this process.
 */
public interface SessionRecovery {

    void recover(Session session);
}
