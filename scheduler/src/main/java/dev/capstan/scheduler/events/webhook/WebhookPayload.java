package dev.capstan.scheduler.events.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionState;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The JSON body of an event: {@code {"id", "type", "createdAt", "recording": {...}}}. Built once per event, so that
 * every receiver and every attempt gets the same bytes (and the same {@code id}, which receivers dedupe by).
 */
final class WebhookPayload {

    /** {@code scheme://user:password@}: the part up to the host that must go. */
    private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@]*@");

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
        recording.put("meeting", withoutSecrets(session.meeting()));
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

    /**
     * The meeting's address without what may carry credentials: the query ({@code ?jwt=…}), the fragment and any
     * user info. A room JID or other text that is not a URL keeps all but a query or fragment.
     */
    static String withoutSecrets(String meeting) {
        if (meeting == null) {
            return null;
        }
        int query = meeting.indexOf('?');
        int fragment = meeting.indexOf('#');
        int cut = query < 0 ? fragment : fragment < 0 ? query : Math.min(query, fragment);
        String kept = cut < 0 ? meeting : meeting.substring(0, cut);
        return USER_INFO.matcher(kept).replaceFirst("$1");
    }
}
