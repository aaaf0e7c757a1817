package dev.capstan.scheduler.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.fixture.RtmpServer;
import dev.capstan.recorder.node.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * One recording of the demo page, recorded and streamed to a real nginx-rtmp, driven entirely over REST: start it
 * with one destination, watch that destination go live, add a second, remove the first, stop, and see the session
 * done and the file ready in the archive. No stream key ever comes back in an answer or goes into the log.
 */
@Tag("media")
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        ControlApi.SLOTS, ControlApi.KEYS, ControlApi.ALLOW_LOOPBACK, ControlApi.ALLOW_INVALID,
        ControlApi.EVENT_STREAMS, ControlApi.QUEUE_TIMEOUT})
class RecordingControlStreamingTest {

    private static final Duration WARM = Duration.ofSeconds(90);
    private static final Duration LIVE = Duration.ofSeconds(30);

    @TempDir
    static Path nginxDirectory;
    @AutoClose
    static RtmpServer nginx;
    @AutoClose
    static PageServer pages;

    @Autowired
    Node node;

    @LocalServerPort
    int port;

    @BeforeAll
    static void startServers() throws Exception {
        nginx = RtmpServer.start(nginxDirectory);
        pages = PageServer.start();
    }

    @Test
    void aRecordingStreamsWhereRestSaysWhileItRuns(CapturedOutput output) throws Exception {
        ControlApi api = new ControlApi(port);
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String firstKey = "first-KEY-" + suffix;
        String secondKey = "second-KEY-" + suffix;
        String masked = "rtmp://127.0.0.1:" + nginx.rtmpPort() + "/live/****";
        String start = "{\"url\":\"" + pages.demo() + "\",\"mode\":\"both\",\"streams\":[\""
                + nginx.rtmpUrl(firstKey) + "\"],\"maxDuration\":\"PT2M\",\"room\":\"rest-live\"}";

        // Start: recorded and streamed to one destination, once the node admits (a warm slot).
        ControlApi.Answer created = ControlApi.within(WARM, "the node takes a recording", () -> {
            if (node.status().idleSlots() < 1 || node.status().busy().isPresent()) {
                return null;
            }
            ControlApi.Answer answer = api.post("/api/v1/recordings", start);
            return answer.status() == 503 ? null : answer;
        });
        JsonNode view = created.expect(201);
        String id = view.at("/id").asText();
        String recording = "/api/v1/recordings/" + id;
        assertThat(created.header("Location")).isEqualTo(recording);
        assertThat(view.at("/mode").asText()).isEqualTo("both");
        assertThat(view.at("/url").asText()).isEqualTo(pages.demo().toString());
        assertThat(view.at("/state").asText()).isEqualTo("pending");
        assertThat(view.at("/streams").isArray()).isTrue();

        // The one slot is taken: another start waits its queue time (3 s here), then is refused with the reason.
        long asked = System.nanoTime();
        JsonNode busy = api.post("/api/v1/recordings", "{\"url\":\"" + pages.demo() + "\"}").expect(503);
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("waited in the queue")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(3));
        assertThat(busy.at("/detail").asText()).startsWith("no recording slot is free on this node right now");
        assertThat(busy.at("/busyReason").asText()).isNotBlank();

        assertThat(nginx.awaitPublisher(firstKey, LIVE)).as("nginx: %s", nginx.logTail()).isPresent();
        JsonNode first = ControlApi.within(LIVE, "the first destination live with a bitrate", () -> {
            JsonNode streams = api.get(recording + "/streams").expect(200);
            return streams.size() == 1 && streams.at("/0/connected").asBoolean()
                    && streams.at("/0/bitrateKbps").asDouble() > 0 ? streams.get(0) : null;
        });
        assertThat(first.at("/url").asText()).isEqualTo(masked);
        assertThat(first.at("/state").asText()).isEqualTo("live");
        assertThat(first.at("/bytesSent").asLong()).isPositive();
        assertThat(first.at("/reconnects").asInt()).isZero();
        String firstId = first.at("/id").asText();
        assertThat(api.get(recording + "/streams/" + firstId).expect(200).at("/url").asText()).isEqualTo(masked);
        assertThat(session(api, id).at("/state").asText()).isEqualTo("on");
        assertThat(session(api, id).at("/origin").asText()).isEqualTo("rest");

        // Add a second destination while it runs.
        ControlApi.Answer added = api.post(recording + "/streams", "{\"url\":\"" + nginx.rtmpUrl(secondKey) + "\"}");
        JsonNode second = added.expect(201);
        String secondId = second.at("/id").asText();
        assertThat(secondId).isNotEqualTo(firstId);
        assertThat(added.header("Location")).isEqualTo(recording + "/streams/" + secondId);
        assertThat(second.at("/url").asText()).isEqualTo(masked);
        assertThat(nginx.awaitPublisher(secondKey, LIVE)).as("nginx: %s", nginx.logTail()).isPresent();
        // The same address twice is a conflict; a refused address a bad request with the masked reason.
        assertThat(api.post(recording + "/streams", "{\"url\":\"" + nginx.rtmpUrl(secondKey) + "\"}").expect(409)
                .at("/detail").asText()).contains(masked + " is already a destination");
        JsonNode refused = api.post(recording + "/streams", "{\"url\":\"rtmp://a.rtmp.youtube.com/live2/"
                + firstKey + "\"}").expect(400);
        assertThat(refused.at("/errors/0/field").asText()).isEqualTo("url");
        assertThat(refused.at("/errors/0/message").asText()).contains("rtmp://a.rtmp.youtube.com/live2/****");

        // Remove the first: nginx loses that publisher, the second goes on.
        api.delete(recording + "/streams/" + firstId).expect(204);
        ControlApi.within(LIVE, "the first publisher gone from nginx", () ->
                nginx.publishers().stream().noneMatch(p -> p.name().equals(firstKey)) ? true : null);
        assertThat(nginx.publishers()).anyMatch(p -> p.name().equals(secondKey));
        JsonNode streams = api.get(recording + "/streams").expect(200);
        assertThat(streams).hasSize(1);
        assertThat(streams.at("/0/id").asText()).isEqualTo(secondId);
        api.delete(recording + "/streams/" + firstId).expect(404);
        JsonNode sessionStreams = session(api, id).at("/streams");
        assertThat(sessionStreams).hasSize(1);
        assertThat(sessionStreams.at("/0/id").asText()).isEqualTo(secondId);
        assertThat(sessionStreams.at("/0/url").asText()).isEqualTo(masked);

        // Stop: the session finishes, the file is ready in the archive.
        JsonNode stopping = api.post(recording + "/stop", "").expect(202);
        assertThat(stopping.at("/id").asText()).isEqualTo(id);
        assertThat(stopping.at("/state").asText()).isEqualTo("stopping");
        ControlApi.within(LIVE, "the session done", () -> {
            String state = session(api, id).at("/state").asText();
            assertThat(state).isNotEqualTo("failed");
            return state.equals("done") ? true : null;
        });
        JsonNode entry = ControlApi.within(LIVE, "the recording ready in the archive", () -> {
            JsonNode catalog = api.get(recording).expect(200);
            return catalog.at("/status").asText().equals("READY") ? catalog : null;
        });
        assertThat(entry.at("/room").asText()).isEqualTo("rest-live");
        assertThat(entry.at("/sizeBytes").asLong()).isPositive();
        assertThat(session(api, id).at("/streams")).isEmpty();
        assertThat(api.post(recording + "/stop", "").expect(404).at("/detail").asText())
                .isEqualTo("recording " + id + " is not running any more (it is done)");
        api.get(recording + "/streams").expect(404);

        // nginx got both streams: the first one cut when it was removed, the second to the end.
        assertThat(nginx.recordings(firstKey)).isNotEmpty();
        assertThat(nginx.recordings(secondKey)).isNotEmpty();
        for (Path flv : concat(nginx.recordings(firstKey), nginx.recordings(secondKey))) {
            assertThat(Files.size(flv)).as(flv.toString()).isPositive();
        }
        assertThat(api.everythingSeen()).doesNotContain(firstKey).doesNotContain(secondKey);
        assertThat(output.getAll()).doesNotContain(firstKey).doesNotContain(secondKey);
    }

    private static JsonNode session(ControlApi api, String id) throws Exception {
        for (JsonNode session : api.get("/api/v1/sessions").expect(200)) {
            if (session.at("/recordingId").asText().equals(id)) {
                return session;
            }
        }
        throw new AssertionError("no session " + id + " in /api/v1/sessions");
    }

    private static List<Path> concat(List<Path> a, List<Path> b) {
        List<Path> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
