package dev.capstan.scheduler.events.webhook;

import java.net.URI;
import java.time.Instant;

/**
 * One event on its way to one subscriber, as the sender holds it: the exact body, and how far it has got.
 *
 * @param id            the {@code Capstan-Delivery} header: one per event and subscriber, the same for every attempt
 * @param eventId       the body's {@code id}: the same for every subscriber (receivers dedupe by it)
 * @param attempts      attempts made so far
 * @param nextAttemptAt when the next attempt is due
 */
record Delivery(String id, String eventId, WebhookEvent event, String recordingId, URI subscriber, String body,
        Instant createdAt, int attempts, Instant nextAttemptAt) {

    Delivery afterFailedAttempt(Instant next) {
        return new Delivery(id, eventId, event, recordingId, subscriber, body, createdAt, attempts + 1, next);
    }
}
