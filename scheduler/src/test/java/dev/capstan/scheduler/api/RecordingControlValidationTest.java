package dev.capstan.scheduler.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.storage.archive.CatalogQuery;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.recording.StreamingProperties;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * {@code POST /api/v1/recordings} refuses bad input before anything starts, naming each wrong field with a reason
 * that masks the stream address; no stream key comes back in an answer or goes into the log. No browser records.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        ControlApi.SLOTS, ControlApi.KEYS, ControlApi.ALLOW_LOOPBACK, ControlApi.ALLOW_INVALID})
class RecordingControlValidationTest {

    /** The stream key every bad request carries somewhere; it must never come back. */
    static final String KEY = "sk-LIVE-7d1e5c0ffee4b2";
    private static final String PAGE = "\"url\":\"https://meet.example.com/room\"";
    private static final String NGINX = "rtmp://127.0.0.1:1935/live/" + KEY;

    @Autowired
    Sessions sessions;

    @Autowired
    Recordings recordings;

    @Autowired
    StreamingProperties streaming;

    @LocalServerPort
    int port;

    private ControlApi api() {
        return new ControlApi(port);
    }

    static Stream<Arguments> badStarts() {
        return Stream.of(
                Arguments.of("missing url", "{\"streams\":[\"" + NGINX + "\"]}", "url", "required"),
                Arguments.of("url null", "{\"url\":null}", "url", "required"),
                Arguments.of("url of another scheme", "{\"url\":\"rtmp://127.0.0.1/live/" + KEY + "\"}", "url",
                        "must be an http:// or https:// address"),
                Arguments.of("bad mode", "{" + PAGE + ",\"mode\":\"tape\",\"streams\":[\"" + NGINX + "\"]}", "mode",
                        "must be file, stream or both"),
                Arguments.of("file mode with streams", "{" + PAGE + ",\"mode\":\"file\",\"streams\":[\"" + NGINX
                        + "\"]}", "streams", "mode file takes no streams"),
                Arguments.of("stream mode without streams", "{" + PAGE + ",\"mode\":\"stream\"}", "streams",
                        "mode stream needs at least one stream URL"),
                Arguments.of("both mode with an empty list", "{" + PAGE + ",\"mode\":\"both\",\"streams\":[]}",
                        "streams", "mode both needs at least one stream URL"),
                Arguments.of("streams not a list", "{" + PAGE + ",\"streams\":\"" + NGINX + "\"}", "streams",
                        "must be an array"),
                Arguments.of("wrong scheme", "{" + PAGE + ",\"streams\":[\"" + NGINX + "\",\"http://127.0.0.1/live/"
                        + KEY + "\"]}", "streams[1]", "only rtmp:// and rtmps:// can be streamed to"),
                Arguments.of("unresolvable host", "{" + PAGE + ",\"streams\":[\"rtmp://no-such-host.invalid/live/"
                        + KEY + "\"]}", "streams[0]",
                        "rtmp://no-such-host.invalid/live/****: the host no-such-host.invalid cannot be resolved"),
                Arguments.of("outside the allow-list", "{" + PAGE + ",\"streams\":[\"rtmp://a.rtmp.youtube.com/live2/"
                        + KEY + "\"]}", "streams[0]",
                        "rtmp://a.rtmp.youtube.com/live2/**** is not on this server's allow-list"),
                Arguments.of("the same address twice", "{" + PAGE + ",\"streams\":[\"" + NGINX + "\",\"" + NGINX
                        + "\"]}", "streams[1]", "the same address as streams[0]"),
                Arguments.of("too many streams", "{" + PAGE + ",\"streams\":[" + String.join(",",
                        java.util.Collections.nCopies(9, "\"" + NGINX + "\"")) + "]}", "streams",
                        "at most 8 stream URLs"),
                Arguments.of("unknown field", "{" + PAGE + ",\"streams\":[\"" + NGINX + "\"],\"colour\":\"red\"}",
                        "colour", "unknown field"),
                Arguments.of("negative maxDuration", "{" + PAGE + ",\"maxDuration\":\"-PT5M\",\"streams\":[\""
                        + NGINX + "\"]}", "maxDuration", "must be positive"),
                Arguments.of("zero maxDuration", "{" + PAGE + ",\"maxDuration\":\"PT0S\"}", "maxDuration",
                        "must be positive"),
                Arguments.of("maxDuration over a day", "{" + PAGE + ",\"maxDuration\":\"PT25H\"}", "maxDuration",
                        "at most PT24H"),
                Arguments.of("maxDuration not ISO-8601", "{" + PAGE + ",\"maxDuration\":\"30 minutes\"}",
                        "maxDuration", "ISO-8601 duration"),
                Arguments.of("maxDuration a number", "{" + PAGE + ",\"maxDuration\":1800}", "maxDuration",
                        "must be a string"),
                Arguments.of("blank room", "{" + PAGE + ",\"room\":\" \"}", "room", "non-empty"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badStarts")
    void aBadStartIsRefusedNamingTheFieldAndStartsNothing(String name, String body, String field, String message,
            CapturedOutput output) throws Exception {
        ControlApi api = api();
        int sessionsBefore = sessions.list().size();
        long catalogBefore = catalogSize();

        JsonNode problem = api.post("/api/v1/recordings", body).expect(400);

        assertThat(problem.at("/status").asInt()).isEqualTo(400);
        assertThat(problem.at("/title").asText()).isEqualTo("Bad Request");
        assertThat(fields(problem)).as(problem.toString()).contains(field);
        assertThat(messageOf(problem, field)).contains(message);
        assertThat(problem.at("/detail").asText()).startsWith(problem.at("/errors/0/field").asText() + ": ");
        assertThat(api.everythingSeen()).doesNotContain(KEY).doesNotContain("Exception");
        assertThat(output.getAll()).doesNotContain(KEY);
        assertThat(sessions.list()).hasSize(sessionsBefore);
        assertThat(catalogSize()).as("nothing was filed").isEqualTo(catalogBefore);
    }

    @Test
    void theAllowListIsTheConfiguredOne() {
        assertThat(streaming.allowList()).containsExactly("rtmps?://127\\.0\\.0\\.1(:\\d+)?/.*",
                "rtmps?://[a-z0-9.-]+\\.invalid(:\\d+)?/.*");
    }

    @Test
    void everyWrongFieldIsNamedAtOnce() throws Exception {
        JsonNode problem = api().post("/api/v1/recordings", "{\"mode\":\"tape\",\"maxDuration\":\"-PT1S\","
                + "\"room\":\"\",\"extra\":1}").expect(400);
        assertThat(fields(problem)).containsExactly("extra", "url", "mode", "maxDuration", "room");
        assertThat(messageOf(problem, "extra")).isEqualTo("unknown field; the fields are url, mode, streams, "
                + "maxDuration, room");
        assertThat(problem.at("/detail").asText()).isEqualTo("extra: " + messageOf(problem, "extra")
                + " (and 4 more: see errors)");
    }

    @Test
    void malformedJsonIsABadRequestThatDoesNotQuoteTheBody(CapturedOutput output) throws Exception {
        ControlApi api = api();
        for (String body : List.of("{" + PAGE + ",\"streams\":[\"" + NGINX + "\"",
                "{" + PAGE + ",\"streams\":[" + KEY + "]}",
                "{" + PAGE + ",\"url\":\"" + NGINX + "\"}",
                "[\"" + NGINX + "\"]",
                "{" + PAGE + "} {\"streams\":[\"" + NGINX + "\"]}",
                "")) {
            JsonNode problem = api.post("/api/v1/recordings", body).expect(400);
            assertThat(problem.at("/detail").asText()).as(body).matches(
                    "the request body (is not valid JSON: .+|must be a JSON object)|a JSON object is required.*");
        }
        assertThat(api.everythingSeen()).doesNotContain(KEY).doesNotContain("Exception").doesNotContain("jackson");
        assertThat(output.getAll()).doesNotContain(KEY);
    }

    @Test
    void aBodyOver64KiBIsTooLarge(CapturedOutput output) throws Exception {
        ControlApi api = api();
        String padding = "x".repeat(70 * 1024);
        String body = "{" + PAGE + ",\"streams\":[\"" + NGINX + "\"],\"room\":\"" + padding + "\"}";

        JsonNode declared = api.post("/api/v1/recordings", body).expect(413);
        assertThat(declared.at("/detail").asText()).isEqualTo("the request body is larger than 64 KiB");

        // Without a Content-Length (chunked), the body is read up to the limit only.
        JsonNode chunked = api.send(api.request("/api/v1/recordings").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() ->
                        new java.io.ByteArrayInputStream(body.getBytes(java.nio.charset.StandardCharsets.UTF_8)))))
                .expect(413);
        assertThat(chunked.at("/status").asInt()).isEqualTo(413);
        assertThat(api.everythingSeen()).doesNotContain(KEY);
        assertThat(output.getAll()).doesNotContain(KEY);
    }

    @Test
    void aBodyThatIsNotJsonIsUnsupported() throws Exception {
        ControlApi api = api();
        assertThat(api.send(api.request("/api/v1/recordings").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("url=https://meet.example.com"))).status()).isEqualTo(415);
    }

    @Test
    void withoutTheApiKeyNothingIsControlled() throws Exception {
        ControlApi api = api();
        HttpRequest.Builder anonymous = HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + port + "/api/v1/recordings"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{" + PAGE + "}"));
        assertThat(api.send(anonymous).status()).isEqualTo(401);
    }

    @Test
    void recordingsThatDoNotRunAreNotFound() throws Exception {
        ControlApi api = api();
        String missing = "/api/v1/recordings/no-such-recording";
        assertThat(api.post(missing + "/stop", "").expect(404).at("/detail").asText())
                .isEqualTo("no recording no-such-recording is running on this node");
        api.get(missing + "/streams").expect(404);
        api.get(missing + "/streams/s1").expect(404);
        api.post(missing + "/streams", "{\"url\":\"" + NGINX + "\"}").expect(404);
        api.delete(missing + "/streams/s1").expect(404);
        api.post("/api/v1/recordings/a..b/stop", "").expect(400);
        assertThat(api.everythingSeen()).doesNotContain(KEY);
    }

    private long catalogSize() {
        return recordings.archive().catalog().search(new CatalogQuery(null, null, null, null, 0, 1)).getTotalElements();
    }

    private static List<String> fields(JsonNode problem) {
        List<String> fields = new ArrayList<>();
        problem.at("/errors").forEach(error -> fields.add(error.at("/field").asText()));
        return fields;
    }

    private static String messageOf(JsonNode problem, String field) {
        for (JsonNode error : problem.at("/errors")) {
            if (error.at("/field").asText().equals(field)) {
                return error.at("/message").asText();
            }
        }
        throw new AssertionError("no error for " + field + " in " + problem);
    }
}
