package dev.capstan.scheduler.events.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.recorder.fixture.CpuHog;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.scheduler.api.ControlApi;
import dev.capstan.scheduler.events.metrics.PrometheusText;
import dev.capstan.storage.archive.LossCause;
import dev.capstan.storage.archive.RecordingId;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The truth about lost media, end to end with the real browser, encoder, archive and a webhook receiver on
 * loopback: an encoder killed with {@code kill -9} mid-recording leaves a partial recording whose lost seconds and
 * cause the catalog, the status, a webhook and Prometheus all name, and whose file plays; a 60-s recording beside a
 * hog holding 1.5 of the 2 cores lasts as long as it was on, without gaps, and is ready with the frame rate it
 * delivered.
 */
@Tag("media")
@AutoConfigureObservability(tracing = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        // One slot: an idle node admits one recording whatever the foreign load, which the hog test relies on.
        "capstan.node.slots=1",
        "capstan.api.keys=" + MediaLossLiveTest.KEY,
        "management.endpoints.web.exposure.include=health,prometheus"})
class MediaLossLiveTest extends LiveWebhookTest {

    static final String KEY = "media-loss-test-key-0b7e";
    @Override
    String apiKey() {
        return KEY;
    }

    @Test
    @Order(1)
    void anEncoderKilledMidRecordingLeavesAPartialRecordingWithItsLostSecondsNamedEverywhere() throws Exception {
        String id = start(Duration.ofMinutes(5));
        String path = "/api/v1/recordings/" + id;
        ControlApi.within(Duration.ofSeconds(60), "7 s of media recorded", () -> {
            JsonNode status = api(path + "/status");
            return status.at("/state").asText().equals("on") && status.at("/durationSeconds").asDouble() > 7
                    ? status : null;
        });
        long pid = recordings.running(RecordingId.of(id)).orElseThrow().captureProcess().orElseThrow().pid();
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -9 %s", pid).isTrue();

        JsonNode status = settled(path, Duration.ofSeconds(60));
        System.out.println("status after kill -9 of FFmpeg: " + status);
        assertThat(status.at("/state").asText()).as("kept, so done rather than failed").isEqualTo("done");
        assertThat(status.at("/status").asText()).isEqualTo("partial");
        assertThat(status.at("/lossCause").asText()).isEqualTo("encoder-died");
        double lost = status.at("/lostSeconds").asDouble();
        assertThat(lost).as("lost seconds").isPositive().isLessThan(10);

        JsonNode entry = api(path);
        assertThat(entry.at("/status").asText()).isEqualTo("PARTIAL");
        assertThat(entry.at("/lossCause").asText()).isEqualTo("encoder-died");
        assertThat(entry.at("/lostSeconds").asDouble()).isEqualTo(lost);
        assertThat(entry.at("/statusDetail").asText()).startsWith("capture-died: ").contains("encoder-died: ");
        assertThat(entry.at("/deliveredFps").asDouble()).isBetween(1.0, 31.0);
        double duration = entry.at("/durationSeconds").asDouble();
        assertThat(duration).isGreaterThan(5);

        // The webhook: the recording is announced with what it kept, as partial.
        Receiver.Received ready = ControlApi.within(Duration.ofSeconds(30), "recording.ready at the receiver", () ->
                receiver.received().stream().filter(request -> request.header("Capstan-Event")
                                .equals("recording.ready") && request.body().contains(id))
                        .findFirst().orElse(null));
        JsonNode announced = JSON.readTree(ready.body()).at("/recording");
        System.out.println("webhook: " + announced);
        assertThat(announced.at("/state").asText()).isEqualTo("done");
        assertThat(announced.at("/status").asText()).isEqualTo("partial");
        assertThat(announced.at("/lossCause").asText()).isEqualTo("encoder-died");
        assertThat(announced.at("/lostSeconds").asDouble()).isEqualTo(lost);
        assertThat(announced.at("/durationSeconds").asDouble()).isEqualTo(duration);
        assertThat(ready.body()).doesNotContain(KEY, Rig.SECRET);
        assertThat(receiver.received()).filteredOn(request -> request.body().contains(id))
                .extracting(request -> request.header("Capstan-Event"))
                .containsSubsequence("recording.started", "recording.on", "recording.stopped", "recording.ready")
                .doesNotContain("recording.failed");

        // Prometheus: the lost seconds under their cause, and none under any other.
        PrometheusText scrape = scrape();
        assertThat(scrape.require("capstan_media_lost_seconds_total", "cause", "encoder-died"))
                .isCloseTo(lost, within(0.001));
        for (String cause : LossCause.wireNames()) {
            if (!cause.equals("encoder-died")) {
                assertThat(scrape.require("capstan_media_lost_seconds_total", "cause", cause)).as(cause).isZero();
            }
        }
        assertThat(scrape.require("capstan_media_delivered_fps_count")).isEqualTo(1);

        // The file still plays, and lasts what the catalog says.
        MediaReport played = MediaReport.of(download(path + "/media", "killed.mp4"));
        System.out.println("partial file: " + played);
        assertThat(played.duration()).isCloseTo(duration, within(0.1));
        assertThat(played.hasPicture()).isTrue();
    }

    @Test
    @Order(2)
    void aRecordingBesideAHogOfOneAndAHalfCoresLastsAsLongAsItWasOnWithoutGaps() throws Exception {
        String id = start(Duration.ofMinutes(3));
        String path = "/api/v1/recordings/" + id;
        JsonNode on = ControlApi.within(Duration.ofSeconds(60), "the recording on", () -> {
            JsonNode status = api(path + "/status");
            return status.at("/state").asText().equals("on") ? status : null;
        });
        Instant since = Instant.parse(on.at("/since").asText());
        double running;
        try (CpuHog hog = CpuHog.steady(1.5)) {
            JsonNode live = ControlApi.within(Duration.ofSeconds(20), "the live delivered frame rate", () -> {
                JsonNode status = api(path + "/status");
                return status.at("/deliveredFps").isNumber() && status.at("/durationSeconds").asDouble() > 10
                        ? status : null;
            });
            running = live.at("/deliveredFps").asDouble();
            System.out.println("live status beside the hog: " + live);
            Thread.sleep(Math.max(0, Duration.between(Instant.now(), since.plusSeconds(60)).toMillis()));
            stopAndSettle(path);
        }
        JsonNode entry = ready(path, "beside the hog");
        double delivered = entry.at("/deliveredFps").asDouble();
        assertThat(delivered).as("delivered fps (live: %s)", running).isBetween(1.0, 30.5);
        double onToStop = Duration.between(since, Instant.parse(entry.at("/endedAt").asText())).toMillis() / 1000.0;

        Path file = download(path + "/media", "hog.mp4");
        MediaReport played = MediaReport.of(file);
        double gap = played.longestFrameGap();
        System.out.printf("beside a 1.5-core hog: on->stop %.3f s, file %.3f s, catalog %.3f s, longest gap %.3f s,"
                        + " delivered %.2f fps (live %.2f), file %.2f fps, repeated %.3f%n", onToStop,
                played.duration(), entry.at("/durationSeconds").asDouble(), gap, delivered, running,
                played.averageFps(), played.repeatedFrameShare());
        assertThat(played.duration()).as("the file's duration against on->stop").isCloseTo(onToStop, within(0.5));
        assertThat(entry.at("/durationSeconds").asDouble()).as("the catalog's duration is the file's")
                .isCloseTo(played.duration(), within(0.1));
        assertThat(gap).as("longest gap between video frames, s").isLessThanOrEqualTo(0.5);
        // What the encoder says it delivered cannot exceed the distinct pictures the file holds per second.
        double distinct = played.videoFrames() * (1 - played.repeatedFrameShare()) / played.duration();
        assertThat(delivered).as("delivered fps against the file's distinct frames per second (%.2f)", distinct)
                .isLessThanOrEqualTo(played.averageFps() + 0.5);
        assertThat(played.hasPicture()).isTrue();
    }

    private String start(Duration maxDuration) throws Exception {
        return rest().start(maxDuration);
    }




    private PrometheusText scrape() throws Exception {
        HttpResponse<String> response = rest().get("/actuator/prometheus");
        assertThat(response.statusCode()).isEqualTo(200);
        return PrometheusText.parse(response.body());
    }

    private Path download(String path, String name) throws Exception {
        return rest().download(path, downloads.resolve(name));
    }
}
