package dev.capstan.scheduler.events.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.api.ControlApi;
import dev.capstan.scheduler.demo.DemoPageController;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/** The live webhook tests' client of the REST API, with their API key: start the demo page, read, post, download. */
final class RestRecordings {

    private static final Duration WARM = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private final int port;
    private final String key;

    RestRecordings(int port, String key) {
        this.port = port;
        this.key = key;
    }

    /** Starts a recording of the demo page over REST, retrying a 503 until the slot is warm and free. */
    String start(Duration maxDuration) throws Exception {
        String body = "{\"url\": \"http://127.0.0.1:" + port + DemoPageController.PATH + "\", \"maxDuration\": \""
                + maxDuration + "\"}";
        HttpResponse<String> started = ControlApi.within(WARM, "the node takes the recording", () -> {
            HttpResponse<String> answer = http.send(request("/api/v1/recordings")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
            return answer.statusCode() == 503 ? null : answer;
        });
        assertThat(started.statusCode()).as("start: %s", started.body()).isEqualTo(201);
        return JSON.readTree(started.body()).at("/id").asText();
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + key);
    }

    /** A GET that must answer 200, without the API key or the webhooks' secret in it. */
    JsonNode api(String path) throws Exception {
        HttpResponse<String> response = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        assertThat(response.body()).doesNotContain(key, Rig.SECRET);
        return JSON.readTree(response.body());
    }

    HttpResponse<String> post(String path) throws Exception {
        return http.send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    Path download(String path, Path file) throws Exception {
        HttpResponse<Path> media = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofFile(file));
        assertThat(media.statusCode()).as("GET %s", path).isEqualTo(200);
        return media.body();
    }
}
