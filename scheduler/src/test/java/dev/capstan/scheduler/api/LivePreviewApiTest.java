package dev.capstan.scheduler.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.slot.CaptureSpan;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.recorder.slot.StopCause;
import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.scheduler.archive.RecordingOrder;
import dev.capstan.scheduler.archive.SyntheticSegments;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.spool.SegmentLayout;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The live preview's endpoints over HTTP with an API key, on real 2-s segments in a recording's spool directory:
 * the playlist and its files as a player fetches them, a clear problem for every bad request (a file that is not
 * the preview's, a path that climbs out, an unknown id, no key), 410 with the file's address once the recording is
 * finished, and 409 for a recording another node makes. The running case is {@code LivePreviewPageTest}'s.
 */
@Tag("media")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        ControlApi.SLOTS, ControlApi.KEYS, ControlApi.QUEUE_TIMEOUT})
class LivePreviewApiTest {

    @TempDir
    static Path work;
    private static SyntheticSegments media;

    @Autowired
    RecordingArchive archive;
    @LocalServerPort
    int port;

    @BeforeAll
    static void encode() throws Exception {
        media = SyntheticSegments.make(work.resolve("synthetic"), 6);
    }

    private RecordingOrder order(String room) {
        return RecordingOrder.of(RecordingId.generate(), room, URI.create("https://meet.example.com/" + room));
    }

    private static JsonNode problem(ControlApi.Answer answer, int status) {
        assertThat(answer.header("Content-Type")).as(answer.body()).isEqualTo("application/problem+json");
        return answer.expect(status);
    }

    @Test
    void theSegmentsOnThisHostArePlayedFromItsSpoolAndAFinishedRecordingPointsToItsFile() throws Exception {
        ControlApi api = new ControlApi(port);
        RecordingOrder order = order("preview-room");
        Path directory = archive.begin(order);
        media.record(directory, 0, 3);
        String live = "/api/v1/recordings/" + order.id() + "/live";

        ControlApi.Answer playlist = api.get(live + ".m3u8");
        assertThat(playlist.status()).as(playlist.body()).isEqualTo(200);
        assertThat(playlist.header("Content-Type")).startsWith("application/vnd.apple.mpegurl");
        assertThat(playlist.header("Cache-Control")).isEqualTo("no-cache");
        assertThat(playlist.body()).startsWith("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-PLAYLIST-TYPE:EVENT\n")
                .contains("#EXT-X-MAP:URI=\"live/init.mp4\"", "live/seg_00000.m4s", "live/seg_00002.m4s")
                .as("nothing records it here any more: its preview is complete").endsWith("#EXT-X-ENDLIST\n");
        assertThat(playlist.body().lines().filter(line -> line.startsWith("#EXTINF:"))).hasSize(3);

        // The files as a player fetches them, relative to the playlist: exactly the spool's bytes.
        Path segments = SegmentLayout.segmentDirectory(directory);
        HttpResponse<byte[]> init = bytes(api.request(live + "/init.mp4"));
        assertThat(init.statusCode()).isEqualTo(200);
        assertThat(init.headers().firstValue("Content-Type")).contains("video/mp4");
        assertThat(init.body()).isEqualTo(Files.readAllBytes(segments.resolve("init.mp4")));
        HttpResponse<byte[]> segment = bytes(api.request(live + "/seg_00001.m4s"));
        assertThat(segment.statusCode()).isEqualTo(200);
        assertThat(segment.headers().firstValue("Content-Type")).contains("video/iso.segment");
        assertThat(segment.headers().firstValue("Cache-Control")).hasValueSatisfying(value ->
                assertThat(value).contains("immutable", "private"));
        assertThat(segment.body()).isEqualTo(Files.readAllBytes(segments.resolve("seg_00001.m4s")));

        // Bad requests: clear problems of the API's catalogue.
        assertThat(problem(api.get(live + "/seg_00009.m4s"), 404).at("/detail").asText())
                .isEqualTo("recording " + order.id() + " has no complete seg_00009.m4s in its preview");
        for (String name : new String[] {"metadata.json", "seg_1.m4s", "seg_00001.m4s.tmp", "index.m3u8"}) {
            assertThat(problem(api.get(live + "/" + name), 400).at("/code").asText()).as(name)
                    .isEqualTo("invalid-parameter");
        }
        for (String climb : new String[] {"..%2Fmetadata.json", "%2E%2E%2F%2E%2E%2Fsegments%2Finit.mp4", ".."}) {
            assertThat(problem(api.get(live + "/" + climb), 400).has("status")).as(climb).isTrue();
        }
        assertThat(api.get(live + ".m3u8?_HLS_msn=99").body()).as("ended: nothing to wait for")
                .isEqualTo(playlist.body());
        for (String sequence : new String[] {"-1", "first"}) {
            assertThat(problem(api.get(live + ".m3u8?_HLS_msn=" + sequence), 400).at("/code").asText())
                    .isEqualTo("invalid-parameter");
        }
        assertThat(problem(api.get("/api/v1/recordings/no-such-recording/live.m3u8"), 404).at("/code").asText())
                .isEqualTo("recording-not-found");
        assertThat(problem(api.get("/api/v1/recordings/a..b/live.m3u8"), 400).at("/code").asText())
                .isEqualTo("invalid-id");
        HttpResponse<String> anonymous = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + live + ".m3u8")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).doesNotContain("EXTM3U").contains("\"code\":\"unauthorized\"");
        assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + live + "/seg_00001.m4s")).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);

        // Finished and filed: the spool lets the segments go, and the preview points to the file.
        archive.events(order.id()).accept(new SlotEvent.Stopped(order.id(), Optional.empty(),
                new CaptureProgress(180, 30, 1, 0, 0, Duration.ofSeconds(6), 0), StopCause.REQUESTED,
                new CaptureSpan(Instant.now().minusSeconds(6), Instant.now(), CaptureSpan.EncoderEnd.DRAINED)));
        RecordingEntry entry = archive.settled(order.id()).get(60, TimeUnit.SECONDS).orElseThrow();
        assertThat(entry.status()).isEqualTo(RecordingStatus.READY);
        JsonNode gone = ControlApi.within(Duration.ofSeconds(10), "the spool lets the segments go", () -> {
            ControlApi.Answer answer = api.get(live + ".m3u8");
            return answer.status() == 410 ? problem(answer, 410) : null;
        });
        assertThat(gone.at("/code").asText()).isEqualTo("preview-ended");
        assertThat(gone.at("/media").asText()).isEqualTo("/api/v1/recordings/" + order.id() + "/media");
        assertThat(gone.at("/detail").asText()).isEqualTo("recording " + order.id() + " has finished (ready): its "
                + "preview is over; play its file at /api/v1/recordings/" + order.id() + "/media");
        assertThat(problem(api.get(live + "/seg_00001.m4s"), 410).at("/code").asText()).isEqualTo("preview-ended");
    }

    /** What a scheduler of a fleet sees of a recording another node makes: in the catalog, its segments not here. */
    @Test
    void aRecordingMadeOnAnotherNodeIsPreviewedOnlyThere() throws Exception {
        ControlApi api = new ControlApi(port);
        RecordingOrder order = order("elsewhere-room");
        archive.begin(order);
        try {
            JsonNode elsewhere = problem(api.get("/api/v1/recordings/" + order.id() + "/live.m3u8"), 409);
            assertThat(elsewhere.at("/code").asText()).isEqualTo("preview-elsewhere");
            assertThat(elsewhere.at("/detail").asText()).isEqualTo("recording " + order.id() + " is recorded by "
                    + "another node: its preview is served only by the host that records it");
        } finally {
            archive.abandon(order.id(), "a test's recording that was never made");
        }
    }

    private static HttpResponse<byte[]> bytes(HttpRequest.Builder request) throws Exception {
        return HttpClient.newHttpClient().send(request.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
