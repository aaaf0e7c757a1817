package dev.capstan.scheduler.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The API describes itself without a key: {@code /v3/api-docs} is OpenAPI JSON with the control endpoints and the
 * start body's fields, and Swagger UI is served. Same configuration as {@link RecordingControlValidationTest}, so
 * the two share one application context.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        ControlApi.SLOTS, ControlApi.KEYS, ControlApi.ALLOW_LOOPBACK, ControlApi.ALLOW_INVALID,
        ControlApi.EVENT_STREAMS})
class OpenApiDocsTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    private HttpResponse<String> anonymous(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theOpenApiDescriptionListsTheControlEndpointsWithoutAKey() throws Exception {
        HttpResponse<String> docs = anonymous("/v3/api-docs");

        assertThat(docs.statusCode()).isEqualTo(200);
        assertThat(docs.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        JsonNode api = ControlApi.JSON.readTree(docs.body());
        assertThat(api.at("/openapi").asText()).startsWith("3.");
        JsonNode paths = api.at("/paths");
        assertThat(paths.at("/~1api~1v1~1recordings/post").isObject()).as(paths.fieldNames().toString()).isTrue();
        assertThat(paths.at("/~1api~1v1~1recordings~1{id}~1stop/post").isObject()).isTrue();
        assertThat(paths.at("/~1api~1v1~1recordings~1{id}~1status/get").isObject()).isTrue();
        assertThat(paths.at("/~1api~1v1~1recordings~1{id}~1events/get").isObject()).isTrue();

        JsonNode start = paths.at("/~1api~1v1~1recordings/post");
        assertThat(start.at("/requestBody/content/application~1json/schema/$ref").asText())
                .isEqualTo("#/components/schemas/StartRecording");
        assertThat(start.at("/responses").has("201")).isTrue();
        assertThat(start.at("/responses").has("422")).isTrue();
        assertThat(start.at("/parameters/0/name").asText()).isEqualTo("Idempotency-Key");
        JsonNode body = api.at("/components/schemas/StartRecording/properties");
        assertThat(body.has("url") && body.has("room") && body.has("resolution") && body.has("metadata")
                && body.has("maxDuration") && body.has("streams") && body.has("mode") && body.has("speakerTracks"))
                .as(body.toString()).isTrue();
        JsonNode status = api.at("/components/schemas/Progress/properties");
        assertThat(status.has("durationSeconds") && status.has("pendingUploads") && status.has("metadata"))
                .as(status.toString()).isTrue();
        assertThat(status.has("settled")).as("internal, not shown").isFalse();
        assertThat(status.has("lostSeconds") && status.has("lossCause") && status.has("deliveredFps")
                && status.has("status")).as(status.toString()).isTrue();
        assertThat(paths.at("/~1api~1v1~1recordings~1{id}~1events/get/responses/200/content").has("text/event-stream"))
                .isTrue();
    }

    @Test
    void swaggerUiIsServedWithoutAKey() throws Exception {
        HttpResponse<String> ui = anonymous("/swagger-ui.html");
        assertThat(ui.statusCode()).isIn(200, 302);
        assertThat(anonymous("/swagger-ui/index.html").statusCode()).isEqualTo(200);
        assertThat(anonymous("/v3/api-docs/swagger-config").statusCode()).isEqualTo(200);
    }
}
