package dev.capstan.scheduler.events.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.api.ControlApi;
import dev.capstan.scheduler.recording.Recordings;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * What the live webhook tests share: a healthy receiver on loopback subscribed to every event, and the REST API
 * reached with the test's API key.
 */
abstract class LiveWebhookTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static Receiver receiver;

    @Autowired
    Recordings recordings;
    @LocalServerPort
    int port;
    @TempDir
    Path downloads;

    @DynamicPropertySource
    static void webhooks(DynamicPropertyRegistry registry) throws IOException {
        receiver = Receiver.healthy();
        registry.add("capstan.webhooks.subscribers[0].url", () -> receiver.url().toString());
        registry.add("capstan.webhooks.subscribers[0].secret", () -> Rig.SECRET);
    }

    @AfterAll
    static void closeReceiver() {
        receiver.close();
    }

    /** The API key the test's application is configured with. */
    abstract String apiKey();

    RestRecordings rest() {
        return new RestRecordings(port, apiKey());
    }

    JsonNode api(String path) throws Exception {
        return rest().api(path);
    }

    HttpResponse<String> post(String path) throws Exception {
        return rest().post(path);
    }

    /** Stops the recording (202) and waits until the archive has settled it. */
    void stopAndSettle(String path) throws Exception {
        HttpResponse<String> stop = post(path + "/stop");
        assertThat(stop.statusCode()).as("stop: %s", stop.body()).isEqualTo(202);
        settled(path, Duration.ofSeconds(90));
    }

    /** The settled recording's catalog entry (printed as {@code what}), which must be ready: nothing lost. */
    JsonNode ready(String path, String what) throws Exception {
        JsonNode entry = api(path);
        System.out.println(what + ": " + entry);
        assertThat(entry.at("/status").asText()).as("%s", entry.at("/statusDetail")).isEqualTo("READY");
        assertThat(entry.at("/lostSeconds").asDouble()).isZero();
        return entry;
    }

    /** Waits until the archive has settled the recording ({@code status} says what it kept); its status then. */
    JsonNode settled(String path, Duration limit) {
        return ControlApi.within(limit, "the recording settled", () -> {
            JsonNode now = api(path + "/status");
            return now.has("status") ? now : null;
        });
    }
}
