package dev.capstan.scheduler.jibri;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.recorder.fixture.MeetingGuest;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.fixture.ProsodyServer;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.storage.archive.RecordingId;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Jicofo's retry on one host: the slot recording a session fails mid-recording, its Jibri says {@code off} with
 * {@code should_retry='true'}, and Jicofo sends the same session to the other slot's Jibri. The room keeps showing
 * {@code on}, and the catalog keeps one recording whose second part continues the first.
 */
@Tag("media")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "capstan.node.slots=2",
        // The retry is under test here, not admission: both slots must take a recording of this light page.
        "capstan.node.cpu-per-recording=0.5",
        "capstan.node.cpu-budget=2"})
class JicofoRetryTest {

    @AutoClose
    private static ProsodyServer prosody;
    @AutoClose
    private static PageServer pages;

    @Autowired
    TestRestTemplate http;
    @Autowired
    Recordings recordings;

    @DynamicPropertySource
    static void xmpp(DynamicPropertyRegistry registry) throws Exception {
        prosody = ProsodyServer.start(Files.createTempDirectory("capstan-prosody"));
        pages = PageServer.start();
        JibriProtocolTest.environment(registry, prosody, pages);
    }

    @Test
    void aSlotThatFailsMidRecordingIsRetriedOnTheOtherSlotAsTheNextPartOfOneRecording() throws Exception {
        try (JicofoClient client = JicofoClient.connect(prosody, ProsodyServer.BREWERY);
                MeetingGuest alice = MeetingGuest.join(prosody, "planning", "Alice", true)) {
            client.awaitIdleOccupants(2, Duration.ofSeconds(90));
            String sessionId = UUID.randomUUID().toString();
            try (JicofoSession jicofo = JicofoSession.start(client, "planning@conference.localhost", sessionId,
                    "capstan-1")) {
                Awaitility.await("the room shows on").atMost(Duration.ofSeconds(30))
                        .until(() -> jicofo.roomShows().equals("on"));
                String id = session(sessionId).get("recordingId").asText();
                Awaitility.await("5 s recorded").atMost(Duration.ofSeconds(30)).until(() ->
                        http.getForObject("/api/v1/recordings/" + id + "/status", JsonNode.class)
                                .path("durationSeconds").asDouble() >= 5);
                long encoder = recordings.running(RecordingId.of(id)).orElseThrow().captureProcess().orElseThrow()
                        .pid();
                Instant killedAt = Instant.now();
                Process kill = new ProcessBuilder("kill", "-9", Long.toString(encoder)).inheritIO().start();
                assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).isTrue();

                Awaitility.await("on again on the other slot").atMost(Duration.ofSeconds(30)).until(() ->
                        client.updates().stream().anyMatch(update -> update.nick().equals("capstan-2")
                                && update.at().isAfter(killedAt) && "on".equals(update.jibri().get("status"))));
                assertThat(jicofo.attempts()).extracting(JicofoSession.Attempt::nick)
                        .containsExactly("capstan-1", "capstan-2");
                assertThat(session(sessionId).get("recordingId").asText()).as("the same session").isEqualTo(id);
                Awaitility.await("part 2 recording").atMost(Duration.ofSeconds(30)).until(() ->
                        recordings.running(RecordingId.of(id)).isEmpty() && session(sessionId).get("state").asText()
                                .equals("on") && Duration.between(killedAt, Instant.now()).toSeconds() >= 8);
                assertThat(http.getForObject("/api/v1/recordings/" + id + "/status", JsonNode.class)
                        .path("durationSeconds").asDouble()).as("the status shows the running part").isGreaterThan(1);
                assertThat(jicofo.published()).as("the room never saw off")
                        .extracting(JicofoSession.Published::status).containsOnly("on");
                jicofo.stop();

                Awaitility.await("the session done").atMost(Duration.ofSeconds(60))
                        .until(() -> session(sessionId).get("state").asText().equals("done"));
                List<JsonNode> sessions = List.of(http.getForObject("/api/v1/sessions", JsonNode.class)).stream()
                        .flatMap(all -> java.util.stream.StreamSupport.stream(all.spliterator(), false))
                        .filter(session -> sessionId.equals(session.path("sessionId").asText())).toList();
                assertThat(sessions).as("one session").hasSize(1);
                JsonNode parts = http.getForObject("/api/v1/recordings/" + id, JsonNode.class).get("parts");
                assertThat(parts).hasSize(2);
                assertThat(parts.get(0).get("status").asText()).as("part 1, its encoder killed")
                        .isEqualTo("PARTIAL");
                assertThat(parts.get(0).get("lossCause").asText()).isEqualTo("encoder-died");
                assertThat(parts.get(0).get("durationSeconds").asDouble()).isGreaterThan(3);
                assertThat(parts.get(1).get("part").asInt()).isEqualTo(2);
                assertThat(parts.get(1).get("status").asText()).isEqualTo("READY");
                assertThat(parts.get(1).get("durationSeconds").asDouble()).isGreaterThan(3);
            }
        }
    }

    private JsonNode session(String sessionId) {
        for (JsonNode session : http.getForObject("/api/v1/sessions", JsonNode.class)) {
            if (sessionId.equals(session.path("sessionId").asText())) {
                return session;
            }
        }
        throw new AssertionError("no session " + sessionId + " in /api/v1/sessions");
    }
}
