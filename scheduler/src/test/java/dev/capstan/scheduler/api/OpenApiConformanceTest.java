package dev.capstan.scheduler.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.tracks.SpeakerTracks;
import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.scheduler.archive.SpeakerTrackFiles;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.util.FileSystemUtils;

/**
 * The OpenAPI description is true: every operation it lists is called on the running application (one short real
 * recording of the demo page covers those that need one), and every answer's status is among the operation's
 * documented ones, with a documented content type and, for JSON, the documented fields and JSON types. Jibri's
 * HTTP API, on its own port, is not in it. Same configuration as {@link RecordingControlLiveTest}, so the two share
 * one application context.
 */
@Tag("media")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        ControlApi.SLOTS, ControlApi.KEYS, ControlApi.ALLOW_LOOPBACK, ControlApi.ALLOW_INVALID,
        ControlApi.EVENT_STREAMS, ControlApi.QUEUE_TIMEOUT})
class OpenApiConformanceTest {

    private static final Duration WARM = Duration.ofSeconds(90);
    private static final Duration LIVE = Duration.ofSeconds(30);
    private static final String RECORDINGS = "/api/v1/recordings";
    private static final String UNKNOWN = RECORDINGS + "/no-such-recording";
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String KEY = "conformance-" + UUID.randomUUID();
    private static final String NOWHERE = "rtmp://127.0.0.1:9/live/";

    @AutoClose
    static PageServer pages;

    @Autowired
    Node node;

    @Autowired
    RecordingArchive archive;

    @LocalServerPort
    int port;

    private ControlApi api;
    private OpenApiDescription description;
    private final List<String> untrue = new ArrayList<>();

    @BeforeAll
    static void startPages() throws Exception {
        pages = PageServer.start();
    }

    /** Calls {@code path} as {@code operation} and notes whatever in the answer the description does not say. */
    /** A file recording (one slot: once the first has ended) paused twice and resumed twice: once each succeeds. */
    private void pauseAndResume(String start) throws Exception {
        String body = "{\"url\":\"" + pages.demo() + "\",\"resolution\":\"640x360\",\"maxDuration\":\"PT1M\"}";
        String id = ControlApi.within(WARM, "the node takes a file recording", () -> {
            if (node.status().idleSlots() < 1 || node.status().busy().isPresent()) {
                return null;
            }
            ControlApi.Answer answer = post(start, RECORDINGS, body);
            return answer.status() == 503 ? null : answer;
        }).expect(201).at("/id").asText();
        String recording = RECORDINGS + "/" + id;
        ControlApi.within(LIVE, "the file recording on", () -> {
            JsonNode status = call("GET " + RECORDINGS + "/{id}/status", recording + "/status").expect(200);
            return status.at("/state").asText().equals("on") ? status : null;
        });
        String pause = "POST " + RECORDINGS + "/{id}/pause";
        String resume = "POST " + RECORDINGS + "/{id}/resume";
        assertThat(call(pause, recording + "/pause").expect(200).at("/state").asText()).isEqualTo("paused");
        call(pause, recording + "/pause").expect(409);
        assertThat(call(resume, recording + "/resume").expect(200).at("/state").asText()).isEqualTo("on");
        call(resume, recording + "/resume").expect(409);
        call("POST " + RECORDINGS + "/{id}/stop", recording + "/stop").expect(202);
        ControlApi.within(LIVE, "the file recording settled", () -> {
            JsonNode status = call("GET " + RECORDINGS + "/{id}/status", recording + "/status").expect(200);
            return status.has("status") ? status : null;
        });
    }

    private ControlApi.Answer call(String operation, String path, HttpRequest.Builder request) throws Exception {
        ControlApi.Answer answer = api.send(request);
        untrue.addAll(description.check(operation, path, answer.status(),
                answer.response().headers().firstValue("Content-Type"), answer.body()));
        return answer;
    }

    private ControlApi.Answer call(String operation, String path) throws Exception {
        String method = operation.substring(0, operation.indexOf(' '));
        return call(operation, path, api.request(path).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    private ControlApi.Answer post(String operation, String path, String json) throws Exception {
        return call(operation, path, api.request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    @Test
    void everyDocumentedOperationAnswersAsDocumented() throws Exception {
        api = new ControlApi(port);
        HttpResponse<String> docs = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/v3/api-docs")).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(docs.statusCode()).isEqualTo(200);
        description = new OpenApiDescription(ControlApi.JSON.readTree(docs.body()));
        assertThat(description.operations()).as("Jibri's HTTP API is served on its own port only")
                .noneMatch(operation -> operation.contains("/jibri/api/"))
                .contains("GET " + RECORDINGS, "POST " + RECORDINGS);

        String search = "GET " + RECORDINGS;
        call(search, RECORDINGS + "?size=5");
        call(search, RECORDINGS + "?status=lost");
        call(search, RECORDINGS + "?page=first");
        call(search, RECORDINGS, HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + RECORDINGS)));
        call("GET /api/v1/sessions", "/api/v1/sessions");
        call("GET /api/v1/node", "/api/v1/node");
        call("GET /api/v1/jibri", "/api/v1/jibri");
        call("GET /api/v1/webhooks/deliveries", "/api/v1/webhooks/deliveries?limit=5");
        call("GET /api/v1/webhooks/deliveries", "/api/v1/webhooks/deliveries?state=lost");
        call("GET /demo", "/demo");

        // Unknown and malformed ids, and refused bodies.
        for (String operation : List.of("GET {id}", "DELETE {id}", "GET {id}/media", "GET {id}/thumbnail",
                "GET {id}/status", "GET {id}/events", "POST {id}/stop", "POST {id}/pause", "POST {id}/resume",
                "GET {id}/streams",
                "GET {id}/streams/{streamId}", "DELETE {id}/streams/{streamId}", "GET {id}/tracks",
                "GET {id}/timeline", "GET {id}/tracks/{speaker}/{part}", "GET {id}/live.m3u8",
                "GET {id}/live/{name}")) {
            String[] methodAndPath = operation.split(" ");
            String template = methodAndPath[0] + " " + RECORDINGS + "/" + methodAndPath[1];
            call(template, (UNKNOWN + "/" + methodAndPath[1]).replace("/{id}", "").replace("{streamId}", "s1")
                    .replace("{speaker}", "s1").replace("{part}", "1").replace("{name}", "init.mp4"));
            call(template, (RECORDINGS + "/a..b/" + methodAndPath[1]).replace("/{id}", "")
                    .replace("{streamId}", "s1").replace("{speaker}", "s1").replace("{part}", "1")
                    .replace("{name}", "init.mp4"));
        }
        post("POST " + RECORDINGS + "/{id}/streams", UNKNOWN + "/streams", "{\"url\":\"rtmp://127.0.0.1/live/k\"}");
        String start = "POST " + RECORDINGS;
        post(start, RECORDINGS, "{\"url\":\"ftp://example.com\",\"mode\":\"tape\"}").expect(400);
        post(start, RECORDINGS, "{\"url\":").expect(400);
        post(start, RECORDINGS, "{\"url\":\"https://meet.example.com/" + "x".repeat(70_000) + "\"}").expect(413);
        call(start, RECORDINGS, api.request(RECORDINGS).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("url=https://meet.example.com"))).expect(415);

        // One short real recording for the operations on a running and on a stored recording; its start repeated.
        // It streams too, to a loopback port where nothing listens: its destinations retry, which is all it needs.
        String body = "{\"url\":\"" + pages.demo() + "\",\"resolution\":\"640x360\",\"maxDuration\":\"PT1M\","
                + "\"mode\":\"both\",\"streams\":[\"" + NOWHERE + "first\"],\"speakerTracks\":true,"
                + "\"metadata\":{\"course\":\"math-101\"}}";
        ControlApi.Answer started = ControlApi.within(WARM, "the node takes the recording", () -> {
            if (node.status().idleSlots() < 1 || node.status().busy().isPresent()) {
                return null;
            }
            ControlApi.Answer answer = call(start, RECORDINGS, api.request(RECORDINGS)
                    .header("Content-Type", "application/json").header("Idempotency-Key", KEY)
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
            return answer.status() == 503 ? null : answer;
        });
        String id = started.expect(201).at("/id").asText();
        call(start, RECORDINGS, api.request(RECORDINGS).header("Content-Type", "application/json")
                .header("Idempotency-Key", KEY).POST(HttpRequest.BodyPublishers.ofString(body))).expect(200);
        String recording = RECORDINGS + "/" + id;
        ControlApi.within(LIVE, "the recording runs for 3 s", () -> {
            JsonNode status = call("GET " + RECORDINGS + "/{id}/status", recording + "/status").expect(200);
            return status.at("/state").asText().equals("on") && status.at("/durationSeconds").asDouble() > 3
                    ? status : null;
        });
        call("GET " + RECORDINGS + "/{id}", recording).expect(200);
        String playlist = "GET " + RECORDINGS + "/{id}/live.m3u8";
        String liveFile = "GET " + RECORDINGS + "/{id}/live/{name}";
        assertThat(call(playlist, recording + "/live.m3u8").body()).contains("live/seg_00000.m4s");
        assertThat(call(liveFile, recording + "/live/init.mp4").status()).isEqualTo(200);
        assertThat(call(liveFile, recording + "/live/seg_00000.m4s").status()).isEqualTo(200);
        call(liveFile, recording + "/live/notes.txt").expect(400);
        call("GET " + RECORDINGS + "/{id}/streams", recording + "/streams").expect(200);
        call("GET " + RECORDINGS + "/{id}/streams/{streamId}", recording + "/streams/s9").expect(404);
        call("DELETE " + RECORDINGS + "/{id}/streams/{streamId}", recording + "/streams/s9").expect(404);
        String addStream = "POST " + RECORDINGS + "/{id}/streams";
        String second = "{\"url\":\"" + NOWHERE + "second\"}";
        String streamId = post(addStream, recording + "/streams", second).expect(201).at("/id").asText();
        post(addStream, recording + "/streams", second).expect(409);
        call("GET " + RECORDINGS + "/{id}/streams/{streamId}", recording + "/streams/" + streamId).expect(200);
        call("DELETE " + RECORDINGS + "/{id}/streams/{streamId}", recording + "/streams/" + streamId).expect(204);
        call("DELETE " + RECORDINGS + "/{id}", recording).expect(409);
        // It streams: no pause. Nor a resume, as it is not paused.
        call("POST " + RECORDINGS + "/{id}/pause", recording + "/pause").expect(409);
        call("POST " + RECORDINGS + "/{id}/resume", recording + "/resume").expect(409);
        call(search, RECORDINGS + "?size=100").expect(200);
        try (EventStream events = EventStream.open(api, recording + "/events")) {
            assertThat(events.status()).isEqualTo(200);
            untrue.addAll(description.check("GET " + RECORDINGS + "/{id}/events", recording + "/events",
                    events.status(), Optional.of(events.contentType()), ""));
            untrue.addAll(description.checkValue("GET " + RECORDINGS + "/{id}/events", 200, "text/event-stream",
                    events.next(Duration.ofSeconds(5)).data()));
        }
        call("POST " + RECORDINGS + "/{id}/stop", recording + "/stop").expect(202);
        ControlApi.within(LIVE, "the recording is stored", () -> {
            JsonNode entry = call("GET " + RECORDINGS + "/{id}", recording).expect(200);
            return entry.at("/status").asText().equals("READY") && entry.at("/links/thumbnail").isTextual()
                    ? entry : null;
        });
        call("GET " + RECORDINGS + "/{id}/status", recording + "/status").expect(200);
        ControlApi.within(LIVE, "the preview is over once the segments are gone", () ->
                call(playlist, recording + "/live.m3u8").status() == 410 ? true : null);
        assertThat(call("GET " + RECORDINGS + "/{id}/thumbnail", recording + "/thumbnail").status()).isEqualTo(200);
        String media = "GET " + RECORDINGS + "/{id}/media";
        assertThat(call(media, recording + "/media", api.request(recording + "/media").GET()).status())
                .isEqualTo(200);
        assertThat(call(media, recording + "/media", api.request(recording + "/media").header("Range", "bytes=0-99")
                .GET()).status()).isEqualTo(206);
        assertThat(call(media, recording + "/media", api.request(recording + "/media")
                .header("Range", "bytes=999999999-").GET()).status()).isEqualTo(416);
        call("GET /api/v1/sessions", "/api/v1/sessions").expect(200);
        speakerTracks(recording, RecordingId.of(id));
        call("DELETE " + RECORDINGS + "/{id}", recording).expect(204);
        pauseAndResume(start);

        assertThat(untrue).as("answers the description does not tell").isEmpty();
        assertThat(description.unanswered()).as("documented operations never called").isEmpty();
        assertThat(description.successesNeverSeen()).as("documented successes never answered").isEmpty();
    }

    /**
     * The speaker-tracks operations on the stored recording, with tracks as the archive files them (the demo page
     * offers none of its own): their manifest in the catalog, their Ogg/Opus files beside the media in the store.
     */
    private void speakerTracks(String recording, RecordingId id) throws Exception {
        Path directory = Files.createTempDirectory("conformance-tracks");
        try {
            SpeakerTracks tracks = SpeakerTrackFiles.write(directory);
            for (String file : tracks.files()) {
                archive.store().put(id.value() + "/" + file, directory.resolve(file), "audio/ogg");
            }
            archive.catalog().setTracks(id, tracks.toJson());
        } finally {
            FileSystemUtils.deleteRecursively(directory);
        }
        String part = "GET " + RECORDINGS + "/{id}/tracks/{speaker}/{part}";
        call("GET " + RECORDINGS + "/{id}/tracks", recording + "/tracks").expect(200);
        call("GET " + RECORDINGS + "/{id}/timeline", recording + "/timeline").expect(200);
        call("GET " + RECORDINGS + "/{id}", recording).expect(200);
        call("GET " + RECORDINGS + "/{id}/status", recording + "/status").expect(200);
        assertThat(call(part, recording + "/tracks/s1/2", api.request(recording + "/tracks/s1/2").GET()).status())
                .isEqualTo(200);
        assertThat(call(part, recording + "/tracks/s1/2", api.request(recording + "/tracks/s1/2")
                .header("Range", "bytes=0-99").GET()).status()).isEqualTo(206);
        assertThat(call(part, recording + "/tracks/s1/2", api.request(recording + "/tracks/s1/2")
                .header("Range", "bytes=999999999-").GET()).status()).isEqualTo(416);
        call(part, recording + "/tracks/s9/1").expect(404);
        call(part, recording + "/tracks/s1/first").expect(400);
    }
}
