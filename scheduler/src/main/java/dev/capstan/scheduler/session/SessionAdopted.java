package dev.capstan.scheduler.session;

import java.time.Instant;
import java.util.Optional;

/**
 * This scheduler adopted a session whose scheduler was gone (its lease had expired, or it never held one).
 * Published on the adopting thread before the session is taken up.
 *
 * @param goneScheduler the scheduler instance that drove it
 * @param goneSince     when that scheduler last renewed its lease; empty if it never held one
 */
public record SessionAdopted(Session session, String goneScheduler, Optional<Instant> goneSince) {
}
