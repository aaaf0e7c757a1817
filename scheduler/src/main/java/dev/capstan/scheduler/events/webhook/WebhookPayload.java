package dev.capstan.scheduler.events.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionState;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The JSON body of an event: {@code {"id", "type", "createdAt", "recording": {...}}}. Built once per event, so that
 * every receiver and every attempt gets the same bytes (and the same {@code id}, which receivers dedupe by).
 */
final class WebhookPayload {

    private WebhookPayload() {
    }

    static String body(ObjectMapper json, String eventId, WebhookEvent event, Instant createdAt, Session session,
            SessionState state) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", eventId);
        body.put("type", event.wireName());
        body.put("createdAt", createdAt.toString());
        body.put("recording", recording(session, state));
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            // Only the requester's metadata could do this, and it came in as JSON.
            throw new IllegalStateException(
                    "event " + eventId + " cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * What a receiver learns about the recording: the one place to add fields to. {@code state} is the state the
     * event is about (the session may have moved on since).
     */
    static Map<String, Object> recording(Session session, SessionState state) {
        Map<String, Object> recording = new LinkedHashMap<>();
        recording.put("id", session.recordingId().value());
        recording.put("origin", session.origin());
        recording.put("sessionId", session.sessionId().orElse(null));
        recording.put("mode", session.mode());
        recording.put("meeting", Session.withoutSecrets(session.meeting()));
        recording.put("state", state.name());
        if (state instanceof SessionState.Failed failed) {
            recording.put("reason", failed.reason());
            recording.put("retryable", failed.retryable());
        } else if (state instanceof SessionState.Finalizing finalizing) {
            recording.put("reason", finalizing.ending());
        }
        recording.put("metadata", session.metadata());
        return recording;
    }
}
