package dev.capstan.scheduler.session;

import dev.capstan.recorder.slot.PauseRefusedException;
import dev.capstan.recorder.slot.PauseRefusedException.Reason;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.plan.Mode;
import java.util.Optional;

/**
 * Whether a session may pause or resume now, by what every scheduler knows of it (its mode and state), so that a
 * request that cannot succeed is refused at once, wherever the session runs, without waiting on its recorder. The
 * recorder checks again when it obeys (what it alone knows: speaker tracks, a capture that just ended).
 */
public final class Pausing {

    private Pausing() {
    }

    /**
     * Pauses it, unless it cannot pause now.
     *
     * @param now the session as its row says now: another scheduler may have paused or resumed it
     * @throws PauseRefusedException why not: from what the session says, or from its recorder
     */
    public static SlotEvent.Paused pause(RunningSession running, Session now) throws PauseRefusedException {
        Optional<PauseRefusedException> refused = refusePause(now);
        if (refused.isPresent()) {
            throw refused.get();
        }
        return running.pause();
    }

    /**
     * Resumes it, unless it is not paused.
     *
     * @param now the session as its row says now: another scheduler may have paused or resumed it
     * @throws PauseRefusedException why not: from what the session says, or from its recorder
     */
    public static SlotEvent.Resumed resume(RunningSession running, Session now) throws PauseRefusedException {
        Optional<PauseRefusedException> refused = refuseResume(now);
        if (refused.isPresent()) {
            throw refused.get();
        }
        return running.resume();
    }

    /** Why {@code session} cannot pause now; empty when it may. */
    static Optional<PauseRefusedException> refusePause(Session session) {
        SessionState state = session.state();
        if (session.mode() == Mode.STREAM) {
            return Optional.of(new PauseRefusedException(Reason.NO_FILE));
        }
        if (session.mode() == Mode.BOTH) {
            return Optional.of(new PauseRefusedException(Reason.STREAMING));
        }
        if (state instanceof SessionState.Paused) {
            return Optional.of(new PauseRefusedException(Reason.ALREADY_PAUSED));
        }
        if (!(state instanceof SessionState.On)) {
            return refused(Reason.NOT_CAPTURING, "the recording is " + state.name() + ", not capturing");
        }
        return Optional.empty();
    }

    /** Why {@code session} cannot resume now; empty when it may. */
    static Optional<PauseRefusedException> refuseResume(Session session) {
        SessionState state = session.state();
        if (state instanceof SessionState.Paused) {
            return Optional.empty();
        }
        boolean ending = state.isFinal() || state instanceof SessionState.Stopping
                || state instanceof SessionState.Finalizing;
        return ending ? refused(Reason.NOT_CAPTURING, "the recording is " + state.name() + ", not capturing")
                : refused(Reason.NOT_PAUSED, "the recording is not paused (it is " + state.name() + ")");
    }

    private static Optional<PauseRefusedException> refused(Reason reason, String why) {
        return Optional.of(new PauseRefusedException(reason, why));
    }
}
