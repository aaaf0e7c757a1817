package dev.capstan.scheduler.events.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.archive.ArchivedTracks;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.storage.archive.RecordingEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON body of an event: {@code {"id", "type", "createdAt", "recording": {...}}}. Built once per event, so that
 * every receiver and every attempt gets the same bytes (and the same {@code id}, which receivers dedupe by).
 */
final class WebhookPayload {

    private WebhookPayload() {
    }

    static String body(ObjectMapper json, String eventId, WebhookEvent event, Instant createdAt, Session session,
            Optional<SessionState> previous, SessionState state, Optional<RecordingEntry> archived) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", eventId);
        body.put("type", event.wireName());
        body.put("createdAt", createdAt.toString());
        body.put("recording", recording(session, previous, state, archived));
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
     *
     * <p>A final event ({@code recording.ready}, {@code recording.failed}) of a recording the archive has settled
     * also says what it kept: {@code status} ({@code ready}, or {@code partial} when media is missing: announced
     * as {@code recording.ready} too, since its file is there to fetch; or {@code failed}), {@code durationSeconds}
     * (the file's), {@code lostSeconds} (0 when ready), {@code lossCause} (a fixed vocabulary:
     * {@code encoder-died}, ...) and {@code deliveredFps}; and, for a recording that asked for speaker tracks,
     * {@code speakerTracks}: {@code capture} ({@code captured}, {@code not-offered} or {@code failed}) and how many
     * {@code speakers} have files (fetched from {@code /api/v1/recordings/{id}/tracks}). Fields it does not know are
     * left out.
     *
     * <p>{@code recording.paused} and {@code recording.resumed} say where the pause lies in {@code pause}:
     * {@code pausedAt} (wall time), {@code positionSeconds} (where in the file: the media after it begins there) and,
     * once resumed, {@code resumedAt} (its first frame's wall time) and {@code pausedSeconds} (how long it lasted).
     */
    private static Optional<Map<String, Object>> speakerTracks(RecordingEntry entry) {
        try {
            return ArchivedTracks.of(entry).map(tracks -> {
                Map<String, Object> summary = new LinkedHashMap<>();
                summary.put("capture", tracks.tracks().capture().wireName());
                summary.put("speakers", tracks.speakersWithFiles());
                return summary;
            });
        } catch (IllegalStateException unreadable) {
            return Optional.empty();
        }
    }

    /** The pause a move to {@code paused}, or from {@code paused} back to {@code on}, is about. */
    private static Optional<Map<String, Object>> pause(Optional<SessionState> previous, SessionState state) {
        SessionState.Paused paused = state instanceof SessionState.Paused p ? p
                : previous.filter(before -> before instanceof SessionState.Paused && state instanceof SessionState.On)
                        .map(SessionState.Paused.class::cast).orElse(null);
        if (paused == null) {
            return Optional.empty();
        }
        Map<String, Object> pause = new LinkedHashMap<>();
        pause.put("pausedAt", paused.since().toString());
        pause.put("positionSeconds", paused.position().toMillis() / 1000.0);
        if (state instanceof SessionState.On resumed) {
            pause.put("resumedAt", resumed.since().toString());
            pause.put("pausedSeconds", Duration.between(paused.since(), resumed.since()).toMillis() / 1000.0);
        }
        return Optional.of(pause);
    }

    static Map<String, Object> recording(Session session, Optional<SessionState> previous, SessionState state,
            Optional<RecordingEntry> archived) {
        Map<String, Object> recording = new LinkedHashMap<>();
        recording.put("id", session.recordingId().value());
        recording.put("origin", session.origin());
        recording.put("sessionId", session.sessionId().orElse(null));
        recording.put("mode", session.mode().wireName());
        recording.put("meeting", Session.withoutSecrets(session.meeting()));
        recording.put("state", state.name());
        if (state instanceof SessionState.Failed failed) {
            recording.put("reason", failed.failure().text());
            recording.put("failureReason", failed.failure().reason().wireName());
            recording.put("retryable", failed.failure().retryable());
        } else if (state instanceof SessionState.Finalizing finalizing) {
            recording.put("reason", finalizing.ending());
        }
        pause(previous, state).ifPresent(pause -> recording.put("pause", pause));
        archived.filter(entry -> entry.status().isFinal()).ifPresent(entry -> {
            recording.put("status", entry.status().name().toLowerCase(Locale.ROOT));
            entry.duration().ifPresent(duration -> recording.put("durationSeconds", duration.toMillis() / 1000.0));
            entry.lostSeconds().ifPresent(lost -> recording.put("lostSeconds", lost));
            entry.lossCause().ifPresent(cause -> recording.put("lossCause", cause));
            entry.deliveredFps().ifPresent(fps -> recording.put("deliveredFps", fps));
            speakerTracks(entry).ifPresent(tracks -> recording.put("speakerTracks", tracks));
        });
        recording.put("metadata", session.metadata());
        return recording;
    }
}
