package dev.capstan.scheduler.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.scheduler.archive.RecordingOrder;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.recording.StreamingProperties;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.storage.archive.CatalogQuery;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
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
        ControlApi.SLOTS, ControlApi.KEYS, ControlApi.ALLOW_LOOPBACK, ControlApi.ALLOW_INVALID,
        ControlApi.EVENT_STREAMS, ControlApi.QUEUE_TIMEOUT})
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
                        "must be file, stream, both or audio, not 'tape'"),
                Arguments.of("audio mode with streams", "{" + PAGE + ",\"mode\":\"audio\",\"streams\":[\"" + NGINX
                        + "\"]}", "streams", "mode audio takes no streams: an audio-only recording keeps a file and "
                                + "streams nothing"),
                Arguments.of("audio mode with an empty list", "{" + PAGE + ",\"mode\":\"audio\",\"streams\":[]}",
                        "streams", "mode audio takes no streams"),
                Arguments.of("audio mode with a resolution", "{" + PAGE + ",\"mode\":\"audio\",\"resolution\":"
                        + "\"640x360\"}", "resolution", "mode audio has no picture to size: leave resolution out"),
                Arguments.of("speaker tracks not a boolean", "{" + PAGE + ",\"speakerTracks\":\"yes\"}",
                        "speakerTracks", "must be true or false"),
                Arguments.of("speaker tracks with a stream alone", "{" + PAGE + ",\"mode\":\"stream\",\"streams\":[\""
                        + NGINX + "\"],\"speakerTracks\":true}", "speakerTracks",
                        "mode stream keeps no file to put speaker tracks beside"),
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
                Arguments.of("blank room", "{" + PAGE + ",\"room\":\" \"}", "room", "non-empty"),
                Arguments.of("room JID and url", "{" + PAGE + ",\"room\":\"standup@conference.meet.example.com\"}",
                        "room", "a room JID is an alternative to url: give one of them"),
                Arguments.of("room JID of an unknown deployment", "{\"room\":\"standup@conference.elsewhere.org\"}",
                        "room", "the room is in no known Jitsi deployment: no Jibri environment has the XMPP "
                                + "domain conference.elsewhere.org and capstan.control.meeting-base-url is not set"),
                Arguments.of("room JID with a resource", "{\"room\":\"standup@conference.meet.example.com/me\"}",
                        "room", "is not a room JID such as myroom@conference.meet.example.com"),
                Arguments.of("resolution larger than the display", "{" + PAGE + ",\"resolution\":\"1920x1080\"}",
                        "resolution", "1920x1080 is larger than this node's recorder display; the largest allowed "
                                + "is 1280x720"),
                Arguments.of("resolution 1080p", "{" + PAGE + ",\"resolution\":\"1080p\"}", "resolution",
                        "the largest allowed is 1280x720"),
                Arguments.of("resolution unreadable", "{" + PAGE + ",\"resolution\":\"big\"}", "resolution",
                        "must be WIDTHxHEIGHT such as 1280x720 or 640x360, or 720p, 540p, 360p, not 'big'"),
                Arguments.of("resolution a number", "{" + PAGE + ",\"resolution\":720}", "resolution",
                        "must be a string"),
                Arguments.of("resolution too small", "{" + PAGE + ",\"resolution\":\"8x8\"}", "resolution",
                        "must be at least 16x16"),
                Arguments.of("metadata not an object", "{" + PAGE + ",\"metadata\":[1,2]}", "metadata",
                        "must be a JSON object"),
                Arguments.of("metadata with an array", "{" + PAGE + ",\"metadata\":{\"tags\":[\"a\"]}}",
                        "metadata.tags", "must be a string, number, boolean or object, not an array"),
                Arguments.of("metadata with a null", "{" + PAGE + ",\"metadata\":{\"a\":{\"b\":null}}}",
                        "metadata.a.b", "not null"),
                Arguments.of("metadata too deep", "{" + PAGE + ",\"metadata\":{\"a\":{\"b\":{\"c\":{\"d\":"
                        + "{\"e\":1}}}}}}", "metadata.a.b.c.d", "nests objects deeper than 4 levels"),
                Arguments.of("metadata with too many keys", "{" + PAGE + ",\"metadata\":{" + keys(51) + "}}",
                        "metadata", "has 51 keys (nested ones counted); at most 50 are allowed"),
                Arguments.of("metadata over 8 KiB", "{" + PAGE + ",\"metadata\":{\"notes\":\"" + "n".repeat(8200)
                        + "\"}}", "metadata", "at most 8192 (8 KiB) are allowed"),
                Arguments.of("metadata with an empty key", "{" + PAGE + ",\"metadata\":{\"\":1}}", "metadata.",
                        "keys are 1 to 100 characters"));
    }

    private static String keys(int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add("\"k" + i + "\":" + i);
        }
        return String.join(",", keys);
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
        assertThat(fields(problem)).containsExactly("extra", "url", "room", "mode", "maxDuration");
        assertThat(messageOf(problem, "extra")).isEqualTo("unknown field; the fields are url, room, mode, streams, "
                + "maxDuration, resolution, speakerTracks, metadata");
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
        for (String control : List.of("/pause", "/resume")) {
            JsonNode notRunning = api.post(missing + control, "").expect(404);
            assertThat(notRunning.at("/code").asText()).isEqualTo("recording-not-running");
            assertThat(notRunning.at("/detail").asText()).isEqualTo("no recording no-such-recording is running on "
                    + "this node");
            api.post("/api/v1/recordings/a..b" + control, "").expect(400);
        }
        api.post("/api/v1/recordings/a..b/stop", "").expect(400);
        assertThat(api.everythingSeen()).doesNotContain(KEY);
    }

    @Test
    void aBadIdempotencyKeyIsNamedWithTheBodysErrors() throws Exception {
        ControlApi api = api();
        // (Non-ASCII and control characters are refused too (IdempotencyKeysTest); the JDK's client cannot send them.)
        for (String key : List.of("x".repeat(256), "")) {
            HttpRequest.Builder request = api.request("/api/v1/recordings").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"ftp://meet.example.com\"}"));
            try {
                request.header("Idempotency-Key", key);
            } catch (IllegalArgumentException clientRefusesIt) {
                continue; // the JDK's client will not send a tab; other clients would
            }
            JsonNode problem = api.send(request).expect(400);
            assertThat(fields(problem)).as(key).containsExactly("url", "Idempotency-Key");
            assertThat(messageOf(problem, "Idempotency-Key")).isEqualTo("must be 1 to 255 printable ASCII "
                    + "characters (a UUID, say)");
        }
    }

    @Test
    void aKeyUsedWithAnotherBodyIsRefusedAndTheSameBodyGetsTheSameRecording(@Autowired IdempotencyKeys keys)
            throws Exception {
        ControlApi api = api();
        String body = "{" + PAGE + ",\"metadata\":{\"course\":\"math\"}}";
        // An earlier start with this key made recording `earlier` (filed in the archive, not running here).
        RecordingId earlier = RecordingId.generate();
        recordings.archive().begin(new RecordingOrder(earlier, "earlier", URI.create("https://meet.example.com/room"),
                Optional.empty(), Map.of("course", "math"), Instant.now()));
        String key = "order-" + UUID.randomUUID();
        assertThat(keys.claim("api-key-1", key, IdempotencyKeys.hash(ControlApi.JSON.readTree(body))))
                .isInstanceOf(IdempotencyKeys.Claim.Owned.class);
        keys.started("api-key-1", key, earlier);
        int sessionsBefore = sessions.list().size();

        // The same body in another field order is the same request: the same recording, nothing started.
        ControlApi.Answer again = api.send(api.request("/api/v1/recordings").header("Content-Type", "application/json")
                .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(
                        "{\"metadata\":{\"course\":\"math\"}," + PAGE + "}")));
        JsonNode replayed = again.expect(200);
        assertThat(replayed.at("/id").asText()).isEqualTo(earlier.value());
        assertThat(again.header("Location")).isEqualTo("/api/v1/recordings/" + earlier.value());
        assertThat(again.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replayed.at("/state").asText()).isEqualTo("recording");

        JsonNode conflict = api.send(api.request("/api/v1/recordings").header("Content-Type", "application/json")
                .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(
                        "{" + PAGE + ",\"metadata\":{\"course\":\"physics\"}}"))).expect(422);
        assertThat(conflict.at("/detail").asText()).isEqualTo("this Idempotency-Key was already used with a "
                + "different request body; use a new key for a new recording, or repeat the original body");
        assertThat(sessions.list()).as("nothing started").hasSize(sessionsBefore);
        recordings.archive().abandon(earlier, "test over");
    }

    @Test
    void statusAndEventsOfUnknownOrMalformedIdsAreClearErrors() throws Exception {
        ControlApi api = api();
        assertThat(api.get("/api/v1/recordings/no-such-recording/status").expect(404).at("/detail").asText())
                .isEqualTo("recording no-such-recording does not exist");
        for (String bad : List.of("a..b", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "x%00y")) {
            ControlApi.Answer answer = api.get("/api/v1/recordings/" + bad + "/status");
            // Tomcat itself refuses some (%2e%2e) before Spring sees them; none reaches a file.
            assertThat(answer.status()).as(bad).isIn(400, 404);
            assertThat(answer.body()).as(bad).doesNotContain("root:");
        }
        try (EventStream unknown = EventStream.open(api, "/api/v1/recordings/no-such-recording/events")) {
            assertThat(unknown.status()).isEqualTo(404);
        }
        HttpRequest.Builder anonymous = HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                + "/api/v1/recordings/no-such-recording/status")).GET();
        assertThat(api.send(anonymous).status()).isEqualTo(401);
        assertThat(api.send(HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port
                + "/api/v1/recordings/no-such-recording/events")).GET()).status()).isEqualTo(401);
    }

    /**
     * A recording filed but not (yet) running anywhere here is told from the catalog; its event stream sends its
     * status at once and ends when it settles. Streams are capped (503 beyond) and leave the count when they end.
     */
    @Test
    void eventStreamsSendStatusEndWithTheFinalStateAndAreCapped(@Autowired RecordingEvents events) throws Exception {
        ControlApi api = api();
        RecordingId id = RecordingId.generate();
        recordings.archive().begin(new RecordingOrder(id, "filed", URI.create("https://meet.example.com/filed"),
                Optional.empty(), Map.of("course", "math", "term", Map.of("year", 2026)), Instant.now()));
        String path = "/api/v1/recordings/" + id.value();

        JsonNode status = api.get(path + "/status").expect(200);
        assertThat(status.at("/state").asText()).isEqualTo("recording");
        assertThat(status.at("/metadata/course").asText()).isEqualTo("math");
        assertThat(status.at("/metadata/term/year").asInt()).isEqualTo(2026);
        assertThat(status.at("/pendingUploads/segments").asInt()).isZero();

        List<EventStream> streams = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                EventStream stream = EventStream.open(api, path + "/events");
                streams.add(stream);
                assertThat(stream.status()).isEqualTo(200);
                assertThat(stream.contentType()).startsWith("text/event-stream");
                EventStream.Event first = stream.next(java.time.Duration.ofSeconds(5));
                assertThat(first.name()).isEqualTo("status");
                assertThat(first.data().at("/id").asText()).isEqualTo(id.value());
                assertThat(first.data().at("/state").asText()).isEqualTo("recording");
            }
            assertThat(events.open()).isEqualTo(3);
            ControlApi.Answer refused = api.get(path + "/events");
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.header("Retry-After")).isEqualTo("10");
            assertThat(refused.json().at("/detail").asText()).contains("capstan.control.max-event-streams");

            // Ticks repeat the status while it is not final.
            streams.get(0).next(java.time.Duration.ofSeconds(5));

            recordings.archive().abandon(id, "test over");
            for (EventStream stream : streams) {
                stream.ended().get(10, java.util.concurrent.TimeUnit.SECONDS);
                List<EventStream.Event> all = stream.all();
                assertThat(all.get(all.size() - 1).data().at("/state").asText()).isEqualTo("failed");
            }
            assertThat(events.open()).isZero();
            try (EventStream after = EventStream.open(api, path + "/events")) {
                assertThat(after.next(java.time.Duration.ofSeconds(5)).data().at("/state").asText())
                        .isEqualTo("failed");
                after.ended().get(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            streams.forEach(EventStream::close);
        }
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
