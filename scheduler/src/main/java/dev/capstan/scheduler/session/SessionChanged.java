package dev.capstan.scheduler.session;

import java.util.Optional;

/**
 * A session was filed ({@code previous} empty, {@code state} pending) or moved. Published as a Spring application
 * event on the thread that moved it: listeners must return quickly and hand slow work (webhooks) to their own
 * threads.
 *
 * @param state the state the move led to, fixed at the time of the move (the session may have moved on since)
 */
public record SessionChanged(Session session, Optional<SessionState> previous, SessionState state) {
}
