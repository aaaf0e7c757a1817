package dev.capstan.scheduler.events.webhook;

import java.time.Instant;

/**
 * An entry of the delivery log, as {@code GET /api/v1/webhooks/deliveries} shows it: the subscriber's address
 * without user info or query, never its secret.
 *
 * @param lastStatus    the receiver's last HTTP status; null when it never answered (refused, timed out)
 * @param lastError     why the last attempt failed; null after a success
 * @param nextAttemptAt when it is tried again, while pending
 */
public record LoggedDelivery(String id, String eventId, String type, String recordingId, String subscriber,
        Instant createdAt, String state, int attempts, Integer lastStatus, String lastError, Instant nextAttemptAt,
        Instant deliveredAt) {
}
