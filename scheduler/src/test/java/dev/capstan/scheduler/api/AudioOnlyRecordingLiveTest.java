package dev.capstan.scheduler.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.recorder.demo.DemoMeeting;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.node.Node;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * An audio-only recording of the demo page over REST ({@code mode: audio}): on with its first sound, reported as
 * audio while it runs, READY in the catalog with no loss, and its file has the demo's tile tones, no video stream,
 * and lasts as long as it was on. Speaker tracks are asked for too: the demo is no Jitsi meeting, so the status says
 * the page offers none and the recording goes on as without them.
 */
@Tag("media")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        ControlApi.SLOTS, ControlApi.KEYS, ControlApi.QUEUE_TIMEOUT})
class AudioOnlyRecordingLiveTest {

    private static final Duration WARM = Duration.ofSeconds(90);
    private static final Duration LIVE = Duration.ofSeconds(30);
    /** How long it records before it is stopped. */
    private static final double ON_SECONDS = 6;

    @AutoClose
    static PageServer pages;
    @TempDir
    static Path downloads;

    @Autowired
    Node node;

    @LocalServerPort
    int port;

    @BeforeAll
    static void startPages() throws Exception {
        pages = PageServer.start();
    }

    @Test
    void anAudioOnlyRecordingHasTheDemosTonesItsLengthAndNoPicture() throws Exception {
        ControlApi api = new ControlApi(port);
        String body = "{\"url\":\"" + pages.demo() + "\",\"mode\":\"audio\",\"speakerTracks\":true,"
                + "\"maxDuration\":\"PT1M\"}";
        JsonNode started = api.startWhenIdle(node, WARM, body);
        String recording = "/api/v1/recordings/" + started.at("/id").asText();

        JsonNode on = ControlApi.within(LIVE, "the status on", () -> {
            JsonNode status = api.get(recording + "/status").expect(200);
            return status.at("/state").asText().equals("on") ? status : null;
        });
        long onAt = System.nanoTime();
        assertThat(on.at("/mode").asText()).isEqualTo("audio");
        JsonNode running = ControlApi.within(LIVE, "media and bytes while on", () -> {
            JsonNode status = api.get(recording + "/status").expect(200);
            return status.at("/durationSeconds").asDouble() >= ON_SECONDS - 1 && status.at("/bytes").asLong() > 0
                    ? status : null;
        });
        assertThat(running.at("/fps").asDouble()).as("no picture, no frames").isZero();
        assertThat(running.at("/speakerTracks/capture").asText()).as("the demo page offers no tracks, and says so")
                .isEqualTo("not-offered");
        assertThat(running.at("/speakerTracks/speakers").asInt()).isZero();
        ControlApi.within(LIVE, "on for " + ON_SECONDS + " s",
                () -> System.nanoTime() - onAt >= (long) (ON_SECONDS * 1e9) ? true : null);
        api.post(recording + "/stop", "").expect(202);
        double onFor = (System.nanoTime() - onAt) / 1e9;

        JsonNode entry = ControlApi.within(LIVE, "READY in the catalog", () -> {
            JsonNode found = api.get(recording).expect(200);
            return found.at("/status").asText().equals("READY") ? found : null;
        });
        assertThat(entry.at("/lostSeconds").asDouble()).as("lost seconds").isZero();
        assertThat(entry.at("/lossCause").isNull() || entry.at("/lossCause").isMissingNode()).isTrue();
        JsonNode tracks = api.get(recording + "/tracks").expect(200);
        assertThat(tracks.at("/capture").asText()).isEqualTo("not-offered");
        assertThat(tracks.at("/detail").asText()).as("why not").isNotEmpty();
        assertThat(tracks.at("/speakers").size()).isZero();

        Path media = downloads.resolve("audio.mp4");
        HttpResponse<Path> download = HttpClient.newHttpClient().send(
                api.request(recording + "/media").GET().build(), HttpResponse.BodyHandlers.ofFile(media));
        assertThat(download.statusCode()).isEqualTo(200);
        try (FFmpegFrameGrabber probe = new FFmpegFrameGrabber(media.toFile())) {
            probe.start();
            assertThat(probe.hasVideo()).as("a video stream in the file").isFalse();
            assertThat(probe.hasAudio()).isTrue();
            assertThat(probe.getAudioCodecName()).isEqualTo("aac");
        }
        MediaReport report = MediaReport.of(media);
        assertThat(report.videoFrames()).isZero();
        // On from the first sound written until the stop; the status was seen on up to a poll after that.
        assertThat(report.duration()).as("file duration against the %.2f s seen on", onFor)
                .isCloseTo(onFor, within(0.75));
        assertThat(entry.at("/durationSeconds").asDouble()).isCloseTo(report.duration(), within(0.1));
        for (int tone : DemoMeeting.TILE_TONES_HZ) {
            assertThat(report.toneLevelDb(tone)).as("tile tone %d Hz above the noise floor", tone)
                    .isGreaterThan(20);
        }
    }
}
