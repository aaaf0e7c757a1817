package dev.capstan.scheduler.session;

import java.util.Optional;

/** Hears a running session's turning points, as the front door that started it must tell its requester. */
public interface SessionListener {

    /** For a requester that follows the session through its status instead. */
    SessionListener NONE = new SessionListener() {
    };

    /** The session is really on the air: its first frame is written or, without a file, a destination has it. */
    default void onAir() {
    }

    /**
     * The recorder is done with it; the session is {@code finalizing} (or {@code failed}) already. It may come on the
     * recorder's thread before {@link RecorderNode#start} has returned.
     *
     * @param failure why it failed, if it did
     */
    default void ended(Optional<SessionFailure> failure) {
    }
}
