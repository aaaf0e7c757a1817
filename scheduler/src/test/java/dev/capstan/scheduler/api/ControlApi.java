package dev.capstan.scheduler.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.node.Node;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * The control API over real HTTP with the test API key, for {@link RecordingControlValidationTest},
 * {@link RecordingControlStreamingTest} and {@link RecordingControlLiveTest}: they run in one application context
 * (same configuration), and every answer is kept so that a test can check no stream key ever came back.
 */
public final class ControlApi {

    static final String API_KEY = "control-api-test-key-3f9a";
    /** The operator's allow-list: nginx on loopback, and hosts under .invalid (which never resolve). */
    // Inlined test properties are read as a properties file: a backslash of the pattern is written twice there.
    static final String ALLOW_LOOPBACK = "capstan.streaming.allow-list[0]=rtmps?://127\\\\.0\\\\.0\\\\.1(:\\\\d+)?/.*";
    static final String ALLOW_INVALID = "capstan.streaming.allow-list[1]=rtmps?://[a-z0-9.-]+\\\\.invalid(:\\\\d+)?/.*";
    static final String SLOTS = "capstan.node.slots=1";
    static final String KEYS = "capstan.api.keys=" + API_KEY;
    /** Few event streams, so that the cap can be reached in a test. */
    static final String EVENT_STREAMS = "capstan.control.max-event-streams=3";
    /** A start on a full node waits this long in its queue before the 503 (README: 2 min by default). */
    static final String QUEUE_TIMEOUT = "capstan.node.queue-timeout=3s";

    /** A status, headers and body as text. */
    record Answer(int status, HttpResponse<String> response) {

        String body() {
            return response.body();
        }

        JsonNode json() {
            try {
                return JSON.readTree(response.body());
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + response.body(), e);
            }
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }

        /** Asserts the status and returns the body as JSON. */
        JsonNode expect(int expected) {
            assertThat(status).as("%s %s: %s", response.request().method(), response.request().uri(), body())
                    .isEqualTo(expected);
            return body().isEmpty() ? JSON.nullNode() : json();
        }
    }

    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final int port;
    private final List<String> seen = new ArrayList<>();

    ControlApi(int port) {
        this.port = port;
    }

    Answer get(String path) throws Exception {
        return send(request(path).GET());
    }

    Answer post(String path, String json) throws Exception {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Answer delete(String path) throws Exception {
        return send(request(path).DELETE());
    }

    Answer send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        synchronized (seen) {
            seen.add(response.headers().map() + "\n" + response.body());
        }
        return new Answer(response.statusCode(), response);
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("X-Api-Key", API_KEY);
    }

    /**
     * Starts a recording once the node has a warm slot, asking again while admission answers 503 (a busy machine),
     * and returns the 201's body.
     */
    JsonNode startWhenIdle(Node node, Duration warm, String body) {
        return within(warm, "the node takes the recording", () -> {
            if (node.status().idleSlots() < 1) {
                return null;
            }
            Answer answer = post("/api/v1/recordings", body);
            return answer.status() == 503 ? null : answer.expect(201);
        });
    }

    /** Waits until {@code probe} gives a value (not null), or fails naming what did not happen. */
    public static <T> T within(Duration limit, String what, Callable<T> probe) {
        return await(what).atMost(limit).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200))
                .until(probe, Objects::nonNull);
    }

    /** Every answer so far: headers and body. */
    String everythingSeen() {
        synchronized (seen) {
            return String.join("\n", seen);
        }
    }
}
