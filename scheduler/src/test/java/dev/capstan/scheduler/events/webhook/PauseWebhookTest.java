package dev.capstan.scheduler.events.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.plan.Mode;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionChanged;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.storage.archive.RecordingId;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A pause and its resume as receivers hear them: their events' names and the pause in the body, exactly. */
class PauseWebhookTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant ON = Instant.parse("2026-12-07T14:00:00Z");
    private static final Instant PAUSED_AT = Instant.parse("2026-12-07T14:00:07.520Z");
    private static final Instant RESUMED_AT = Instant.parse("2026-12-07T14:00:12.645Z");
    private static final SessionState.Paused PAUSED = new SessionState.Paused(PAUSED_AT, Duration.ofMillis(7_480));

    private final Session session = new Session(RecordingId.of("rec-pause-1"), "rest", Optional.empty(), Mode.FILE,
            "https://meet.example.com/board?jwt=secret", Map.of("board", "q4"), ON, new SessionState.On(ON),
            Session.LOCAL, "");

    @Test
    void pausingAndResumingAreTheirOwnEventsAndAResumeIsNotAnotherOn() {
        assertThat(WebhookEvent.of(change(new SessionState.On(ON), PAUSED))).contains(WebhookEvent.PAUSED);
        assertThat(WebhookEvent.of(change(PAUSED, new SessionState.On(RESUMED_AT)))).contains(WebhookEvent.RESUMED);
        assertThat(WebhookEvent.of(change(new SessionState.Pending(ON), new SessionState.On(ON))))
                .contains(WebhookEvent.ON);
        assertThat(WebhookEvent.of(change(PAUSED, new SessionState.Stopping(RESUMED_AT)))).isEmpty();
        assertThat(WebhookEvent.PAUSED.wireName()).isEqualTo("recording.paused");
        assertThat(WebhookEvent.RESUMED.wireName()).isEqualTo("recording.resumed");
        assertThat(WebhookEvent.names()).contains("recording.paused", "recording.resumed");
    }

    @Test
    void thePausedBodySaysWhenAndWhereInTheFile() throws Exception {
        JsonNode body = body(WebhookEvent.PAUSED, Optional.of(new SessionState.On(ON)), PAUSED);
        assertThat(body.at("/type").asText()).isEqualTo("recording.paused");
        assertThat(body.at("/recording/state").asText()).isEqualTo("paused");
        assertThat(body.at("/recording/meeting").asText()).isEqualTo("https://meet.example.com/board");
        assertThat(body.at("/recording/pause").toString())
                .isEqualTo("{\"pausedAt\":\"2026-12-07T14:00:07.520Z\",\"positionSeconds\":7.48}");
    }

    @Test
    void theResumedBodySaysHowLongThePauseWas() throws Exception {
        JsonNode body = body(WebhookEvent.RESUMED, Optional.of(PAUSED), new SessionState.On(RESUMED_AT));
        assertThat(body.at("/type").asText()).isEqualTo("recording.resumed");
        assertThat(body.at("/recording/state").asText()).isEqualTo("on");
        assertThat(body.at("/recording/pause").toString()).isEqualTo("{\"pausedAt\":\"2026-12-07T14:00:07.520Z\","
                + "\"positionSeconds\":7.48,\"resumedAt\":\"2026-12-07T14:00:12.645Z\",\"pausedSeconds\":5.125}");
        assertThat(body.at("/recording/metadata/board").asText()).isEqualTo("q4");
    }

    @Test
    void otherEventsCarryNoPause() throws Exception {
        JsonNode on = body(WebhookEvent.ON, Optional.of(new SessionState.Pending(ON)), new SessionState.On(ON));
        assertThat(on.at("/recording").has("pause")).isFalse();
        JsonNode stopped = body(WebhookEvent.STOPPED, Optional.of(PAUSED),
                new SessionState.Finalizing(RESUMED_AT, "paused-too-long"));
        assertThat(stopped.at("/recording").has("pause")).isFalse();
        assertThat(stopped.at("/recording/reason").asText()).isEqualTo("paused-too-long");
    }

    private SessionChanged change(SessionState previous, SessionState next) {
        return new SessionChanged(session, Optional.of(previous), next);
    }

    private JsonNode body(WebhookEvent event, Optional<SessionState> previous, SessionState state) throws Exception {
        return JSON.readTree(WebhookPayload.body(JSON, "event-1", event, RESUMED_AT, session, previous, state,
                Optional.empty()));
    }
}
