package dev.capstan.scheduler.events.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.plan.Mode;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Webhooks in the running application: a session filed in the application's own {@link Sessions} reaches a real
 * receiver, and {@code GET /api/v1/webhooks/deliveries} shows it, only with an API key and never with the secret.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "capstan.node.slots=1",
        "capstan.api.keys=" + WebhookDeliveriesEndpointTest.KEY,
        "capstan.webhooks.first-retry=100ms",
        "logging.level.dev.capstan=DEBUG"})
class WebhookDeliveriesEndpointTest {

    static final String KEY = "api-key-7e1d0c55aa";
    static final String SECRET = "whsec-endpoint-3b9f6d21";

    private static final Receiver receiver = start();
    private static final HttpClient client = HttpClient.newHttpClient();
    private static final ObjectMapper json = new ObjectMapper();

    @LocalServerPort
    int port;

    @Autowired
    Sessions sessions;

    private static Receiver start() {
        try {
            // Fails the first attempt, so that the log has a retry to show.
            return Receiver.answering(n -> n == 1 ? 500 : 200);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The whole subscriber here: a list binds from one property source only. */
    @DynamicPropertySource
    static void subscriber(DynamicPropertyRegistry registry) {
        registry.add("capstan.webhooks.subscribers[0].secret", () -> SECRET);
        registry.add("capstan.webhooks.subscribers[0].url", () -> receiver.url().toString() + "?token=t0k3n-in-query");
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET();
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theDeliveryLogIsListedWithAKeyAndNeverShowsTheSecret(CapturedOutput output) throws Exception {
        Session session = new Session(RecordingId.generate(), "jibri-http", Optional.of("jicofo-42"), Mode.FILE,
                "https://meet.example.com/room?jwt=eyJ0b2tlbg", Map.of("room", "standup"), Instant.now());
        sessions.add(session);
        sessions.moveTo(session, new SessionState.On(Instant.now()));
        receiver.awaitRequests(3, Duration.ofSeconds(10));

        String path = "/api/v1/webhooks/deliveries?recording=" + session.recordingId().value();
        JsonNode items = await("both deliveries listed, delivered").atMost(Duration.ofSeconds(10))
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    HttpResponse<String> response = get(path, KEY);
                    assertThat(response.statusCode()).isEqualTo(200);
                    assertThat(response.body()).doesNotContain(SECRET, "t0k3n", "eyJ0b2tlbg");
                    return json.readTree(response.body()).at("/items");
                }, listed -> listed.size() == 2
                        && listed.findValuesAsText("state").stream().allMatch("delivered"::equals));
        JsonNode started = items.get(1);
        assertThat(started.at("/type").asText()).isEqualTo("recording.started");
        assertThat(started.at("/recordingId").asText()).isEqualTo(session.recordingId().value());
        assertThat(started.at("/subscriber").asText()).isEqualTo(receiver.url().toString());
        assertThat(started.at("/attempts").asInt()).isEqualTo(2);
        assertThat(started.at("/lastStatus").asInt()).isEqualTo(200);
        assertThat(started.at("/deliveredAt").asText()).isNotEmpty();
        assertThat(items.get(0).at("/type").asText()).isEqualTo("recording.on");
        WebhookDeliveryTest.assertSignedWith(SECRET, receiver.received().get(0));

        JsonNode delivered = json.readTree(get("/api/v1/webhooks/deliveries?state=delivered&limit=1", KEY).body());
        assertThat(delivered.at("/items")).hasSize(1);

        assertThat(get("/api/v1/webhooks/deliveries", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/webhooks/deliveries", "wrong-key").statusCode()).isEqualTo(401);

        HttpResponse<String> metrics = get("/actuator/metrics/capstan.webhook.deliveries?tag=outcome:retried", KEY);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(json.readTree(metrics.body()).at("/measurements/0/value").asDouble()).isGreaterThanOrEqualTo(1);

        assertThat(json.readTree(get("/v3/api-docs", null).body()).at("/paths").has("/api/v1/webhooks/deliveries"))
                .isTrue();

        assertThat(output.getAll()).contains("webhooks: 1 subscriber(s)").doesNotContain(SECRET, "t0k3n");
    }

    @Test
    void badParametersGetAProblemThatSaysWhy() throws Exception {
        HttpResponse<String> state = get("/api/v1/webhooks/deliveries?state=lost", KEY);
        assertThat(state.statusCode()).isEqualTo(400);
        assertThat(state.headers().firstValue("Content-Type")).get().asString().startsWith("application/problem+json");
        assertThat(json.readTree(state.body()).at("/detail").asText())
                .isEqualTo("state must be pending, delivered or given-up, not 'lost'");

        HttpResponse<String> limit = get("/api/v1/webhooks/deliveries?limit=100000", KEY);
        assertThat(limit.statusCode()).isEqualTo(400);
        assertThat(json.readTree(limit.body()).at("/detail").asText())
                .contains("limit must be a whole number from 1 to 500");

        HttpResponse<String> recording = get("/api/v1/webhooks/deliveries?recording=not%20an%20id", KEY);
        assertThat(recording.statusCode()).isEqualTo(400);
        assertThat(json.readTree(recording.body()).at("/detail").asText()).contains("invalid recording id");
    }
}
