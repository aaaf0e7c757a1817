package dev.capstan.scheduler.events.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.recorder.fixture.CpuHog;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.media.PageClock;
import dev.capstan.scheduler.api.ControlApi;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Pause and resume end to end, with the real browser, encoder, archive and a webhook receiver on loopback, beside a
 * hog of one core: a 20-s recording of the demo meeting paused for 5 s in its middle over REST is one file of about
 * 15 s, ready (nothing lost), with no frame drawn during the pause (the page's clock dates each frame), announced paused and resumed in order, with the pause on its timeline and in its
 * metadata.json. A pause longer than {@code capstan.recording.max-pause} ends its recording, which keeps what it
 * recorded before, as a stop while paused does.
 */
@Tag("media")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "capstan.node.slots=1",
        "capstan.api.keys=" + PauseResumeLiveTest.KEY,
        // Above the 5-s pause, short enough to see a longer one end its recording.
        "capstan.recording.max-pause=8s"})
class PauseResumeLiveTest extends LiveWebhookTest {

    static final String KEY = "pause-test-key-5c21";
    private static final Duration HALF = Duration.ofMillis(7_500);
    private static final Duration PAUSE = Duration.ofSeconds(5);
    @Override
    String apiKey() {
        return KEY;
    }

    @Test
    void aTwentySecondRecordingPausedForFiveSecondsIsOneReadyFileOfFifteenWithThePauseMarked() throws Exception {
        String id = rest().start(Duration.ofMinutes(3));
        String path = "/api/v1/recordings/" + id;
        Instant pauseRequested;
        Instant pauseAnswered;
        Instant resumeRequested;
        try (CpuHog hog = CpuHog.steady(1.0)) {
            // Paced by the media recorded (the encoder's clock): 7.5 s, a pause of 5 s, 7.5 s more.
            awaitMedia(path, HALF);
            HttpResponse<String> notPaused = post(path + "/resume");
            assertThat(notPaused.statusCode()).as("resume before a pause: %s", notPaused.body()).isEqualTo(409);
            assertThat(JSON.readTree(notPaused.body()).at("/reason").asText()).isEqualTo("not-paused");

            pauseRequested = Instant.now();
            HttpResponse<String> paused = post(path + "/pause");
            pauseAnswered = Instant.now();
            System.out.printf("pause answered in %d ms: %s%n",
                    Duration.between(pauseRequested, pauseAnswered).toMillis(), paused.body());
            assertThat(paused.statusCode()).as("pause: %s", paused.body()).isEqualTo(200);
            JsonNode pausedStatus = JSON.readTree(paused.body());
            assertThat(pausedStatus.at("/state").asText()).isEqualTo("paused");
            assertThat(pausedStatus.at("/pauses/pausedSince").asText()).isNotEmpty();

            // Paused twice: refused, saying why; the slot stays held meanwhile.
            HttpResponse<String> again = post(path + "/pause");
            assertThat(again.statusCode()).as("second pause: %s", again.body()).isEqualTo(409);
            assertThat(JSON.readTree(again.body()).at("/reason").asText()).isEqualTo("already-paused");
            JsonNode node = api("/api/v1/node");
            assertThat(node.at("/recordings")).as("the node while paused: %s", node).hasSize(1);
            assertThat(node.at("/busy").isNull() || node.at("/busy").isMissingNode())
                    .as("the node admits another while paused: %s", node).isFalse();

            sleepUntil(pauseRequested.plus(PAUSE));
            resumeRequested = Instant.now();
            HttpResponse<String> resumed = post(path + "/resume");
            Instant resumeAnswered = Instant.now();
            System.out.printf("resume answered in %d ms: %s%n",
                    Duration.between(resumeRequested, resumeAnswered).toMillis(), resumed.body());
            assertThat(resumed.statusCode()).as("resume: %s", resumed.body()).isEqualTo(200);
            assertThat(JSON.readTree(resumed.body()).at("/state").asText()).isEqualTo("on");

            awaitMedia(path, HALF.plus(HALF));
            stopAndSettle(path);
        }
        JsonNode entry = ready(path, "paused recording");

        Path file = rest().download(path + "/media", downloads.resolve("paused.mp4"));
        MediaReport played = MediaReport.of(file);
        System.out.println("file of a 20-s recording paused 5 s: " + played);
        assertThat(played.duration()).as("the file leaves the pause out").isCloseTo(15.0, within(1.5));
        assertThat(played.longestFrameGap()).as("no gap where the pause was cut out, s").isLessThanOrEqualTo(0.5);
        assertThat(played.hasPicture()).isTrue();

        // No frame from the pause: the page's clock dates every frame the file holds.
        List<PageClock.Shown> frames = PageClock.read(file);
        assertThat(frames.size()).as("frames whose clock reads").isGreaterThan((int) (played.videoFrames() * 0.9));
        assertThat(PageClock.between(frames, pauseAnswered.plusMillis(300), resumeRequested.minusMillis(500)))
                .as("frames drawn during the pause").isEmpty();
        assertThat(PageClock.nearest(frames, pauseRequested).toMillis()).as("the last frame before the pause, ms away")
                .isLessThan(1_000);

        // The timeline: one pause, where it lies in the file and how long it lasted.
        JsonNode timeline = api(path + "/timeline");
        System.out.println("timeline: " + timeline);
        assertThat(timeline.at("/pauses")).hasSize(1);
        assertThat(entry.at("/links/timeline").asText()).isEqualTo(path + "/timeline");
        JsonNode pause = timeline.at("/pauses/0");
        assertThat(pause.at("/positionSeconds").asDouble()).isCloseTo(HALF.toMillis() / 1000.0, within(1.5));
        assertThat(pause.at("/durationSeconds").asDouble()).isCloseTo(5.0, within(1.0));
        Instant pausedAt = Instant.parse(pause.at("/pausedAt").asText());
        Instant resumedAt = Instant.parse(pause.at("/resumedAt").asText());
        assertThat(pausedAt).isBefore(pauseAnswered);
        assertThat(resumedAt).isAfter(resumeRequested);
        assertThat(PageClock.nearest(frames, resumedAt).toMillis()).as("the first frame after the pause, ms away")
                .isLessThan(1_000);
        for (int i = 1; i < frames.size(); i++) {
            assertThat(frames.get(i).clock()).as("frames are in the order they were drawn")
                    .isAfterOrEqualTo(frames.get(i - 1).clock());
        }

        JsonNode metadata;
        try (InputStream in = recordings.archive().store().read(id + "/metadata.json", 0, -1)) {
            metadata = JSON.readTree(in);
        }
        assertThat(metadata.at("/pauses")).as("metadata.json: %s", metadata).isEqualTo(timeline.at("/pauses"));

        // The webhooks, in order, the pause's with where and how long.
        List<Receiver.Received> mine = ControlApi.within(Duration.ofSeconds(30), "recording.ready at the receiver",
                () -> {
                    List<Receiver.Received> all = receiver.received().stream()
                            .filter(request -> request.body().contains(id)).toList();
                    return all.stream().anyMatch(r -> r.header("Capstan-Event").equals("recording.ready"))
                            ? all : null;
                });
        assertThat(mine).extracting(request -> request.header("Capstan-Event")).containsExactly(
                "recording.started", "recording.on", "recording.paused", "recording.resumed", "recording.stopped",
                "recording.ready");
        JsonNode pausedHook = JSON.readTree(mine.get(2).body()).at("/recording");
        JsonNode resumedHook = JSON.readTree(mine.get(3).body()).at("/recording");
        System.out.println("webhooks: " + pausedHook + " / " + resumedHook);
        assertThat(pausedHook.at("/state").asText()).isEqualTo("paused");
        assertThat(pausedHook.at("/pause/positionSeconds").asDouble()).isEqualTo(pause.at("/positionSeconds")
                .asDouble());
        assertThat(Instant.parse(pausedHook.at("/pause/pausedAt").asText())).isEqualTo(pausedAt);
        assertThat(resumedHook.at("/state").asText()).isEqualTo("on");
        assertThat(Instant.parse(resumedHook.at("/pause/resumedAt").asText())).isEqualTo(resumedAt);
        assertThat(resumedHook.at("/pause/pausedSeconds").asDouble()).isCloseTo(5.0, within(1.0));
        assertThat(JSON.readTree(mine.get(5).body()).at("/recording/status").asText()).isEqualTo("ready");
    }

    @Test
    void aPauseLongerThanMaxPauseEndsTheRecordingWithWhatItRecordedBefore() throws Exception {
        String id = rest().start(Duration.ofMinutes(3));
        String path = "/api/v1/recordings/" + id;
        awaitMedia(path, Duration.ofSeconds(4));
        HttpResponse<String> paused = post(path + "/pause");
        Instant pauseAnswered = Instant.now();
        assertThat(paused.statusCode()).as("pause: %s", paused.body()).isEqualTo(200);
        settled(path, Duration.ofSeconds(40));
        JsonNode entry = ready(path, "paused too long");
        JsonNode pause = api(path + "/timeline").at("/pauses/0");
        assertThat(pause.at("/resumedAt").isNull()).as("never resumed: %s", pause).isTrue();
        // Its capture, and so its file, ended at the pause.
        assertThat(Duration.between(Instant.parse(pause.at("/pausedAt").asText()),
                Instant.parse(entry.at("/endedAt").asText())).abs().toMillis()).as("ended at the pause, ms")
                .isLessThan(1_000);
        assertThat(entry.at("/durationSeconds").asDouble()).as("the file ends where the pause began")
                .isCloseTo(pause.at("/positionSeconds").asDouble(), within(0.5));

        Receiver.Received stopped = ControlApi.within(Duration.ofSeconds(30), "recording.stopped at the receiver",
                () -> receiver.received().stream().filter(request -> request.body().contains(id)
                        && request.header("Capstan-Event").equals("recording.stopped")).findFirst().orElse(null));
        JsonNode announced = JSON.readTree(stopped.body());
        assertThat(announced.at("/recording/reason").asText()).isEqualTo("paused-too-long");
        assertThat(Duration.between(pauseAnswered, Instant.parse(announced.at("/createdAt").asText())).toMillis()
                / 1000.0).as("stopped after max-pause (8 s), s").isBetween(7.5, 11.0);
        assertThat(receiver.received()).filteredOn(request -> request.body().contains(id))
                .extracting(request -> request.header("Capstan-Event"))
                .containsSubsequence("recording.on", "recording.paused", "recording.stopped")
                .doesNotContain("recording.resumed", "recording.failed");
    }

    @Test
    void aRecordingStoppedWhilePausedEndsReadyAtItsPause() throws Exception {
        String id = rest().start(Duration.ofMinutes(3));
        String path = "/api/v1/recordings/" + id;
        awaitMedia(path, Duration.ofSeconds(3));
        HttpResponse<String> paused = post(path + "/pause");
        assertThat(paused.statusCode()).as("pause: %s", paused.body()).isEqualTo(200);
        Thread.sleep(2_000);
        stopAndSettle(path);
        JsonNode entry = ready(path, "stopped while paused");
        JsonNode pause = api(path + "/timeline").at("/pauses/0");
        assertThat(entry.at("/durationSeconds").asDouble()).as("the file ends where the pause began")
                .isCloseTo(pause.at("/positionSeconds").asDouble(), within(0.5));
        assertThat(receiver.received()).filteredOn(request -> request.body().contains(id))
                .extracting(request -> request.header("Capstan-Event"))
                .containsSubsequence("recording.paused", "recording.stopped", "recording.ready")
                .doesNotContain("recording.resumed", "recording.failed");
    }

    /** Waits until the recording holds {@code media}, asking its status every 200 ms. */
    private void awaitMedia(String path, Duration media) throws Exception {
        ControlApi.within(Duration.ofSeconds(60), media + " of media", () -> {
            JsonNode status = api(path + "/status");
            return status.at("/state").asText().equals("on")
                    && status.at("/durationSeconds").asDouble() * 1000 >= media.toMillis() ? status : null;
        });
    }

    private static void sleepUntil(Instant when) throws InterruptedException {
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), when).toMillis()));
    }



}
