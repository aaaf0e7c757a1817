package dev.capstan.scheduler.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.node.Node;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
 * One short real recording of the demo page driven over REST, as a client that cannot afford duplicates drives
 * it: the same start sent twice at once with one Idempotency-Key makes one recording at 640x360 with the caller's
 * metadata; its status and its event stream follow it from pending to done with the encoder's figures; the file
 * in the archive is 640x360.
 */
@Tag("media")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        ControlApi.SLOTS, ControlApi.KEYS, ControlApi.ALLOW_LOOPBACK, ControlApi.ALLOW_INVALID,
        ControlApi.EVENT_STREAMS, ControlApi.QUEUE_TIMEOUT})
class RecordingControlLiveTest {

    private static final Duration WARM = Duration.ofSeconds(90);
    private static final Duration LIVE = Duration.ofSeconds(30);

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
    void aDuplicatedStartMakesOneRecordingFollowedByStatusAndEvents() throws Exception {
        ControlApi api = new ControlApi(port);
        String key = "order-" + UUID.randomUUID();
        String body = "{\"url\":\"" + pages.demo() + "\",\"resolution\":\"640x360\",\"maxDuration\":\"PT1M\","
                + "\"room\":\"rest-status\",\"metadata\":{\"course\":\"math-101\",\"term\":{\"year\":2026}}}";
        int sessionsBefore = api.get("/api/v1/sessions").expect(200).size();

        // Sent twice at once with one key, as a client retrying on a timeout would; both are repeated (with the
        // same key) until the node admits the one recording.
        List<ControlApi.Answer> answers = ControlApi.within(WARM, "the node takes the recording", () -> {
            if (node.status().idleSlots() < 1 || node.status().busy().isPresent()) {
                return null;
            }
            List<ControlApi.Answer> pair = concurrently(2, () -> api.send(api.request("/api/v1/recordings")
                    .header("Content-Type", "application/json").header("Idempotency-Key", key)
                    .POST(HttpRequest.BodyPublishers.ofString(body))));
            return pair.stream().allMatch(answer -> answer.status() == 503) ? null : pair;
        });
        assertThat(answers).extracting(ControlApi.Answer::status).containsExactlyInAnyOrder(201, 200);
        String id = answers.get(0).json().at("/id").asText();
        String recording = "/api/v1/recordings/" + id;
        for (ControlApi.Answer answer : answers) {
            assertThat(answer.json().at("/id").asText()).isEqualTo(id);
            assertThat(answer.header("Location")).isEqualTo(recording);
        }
        assertThat(answers).filteredOn(answer -> answer.status() == 200)
                .allMatch(answer -> "true".equals(answer.header("Idempotent-Replayed")));
        JsonNode sessions = api.get("/api/v1/sessions").expect(200);
        assertThat(sessions.size() - sessionsBefore).as("one session started: %s", sessions).isEqualTo(1);

        try (EventStream events = EventStream.open(api, recording + "/events")) {
            EventStream.Event first = events.next(Duration.ofSeconds(5));
            assertThat(first.name()).isEqualTo("status");
            assertThat(first.data().at("/id").asText()).isEqualTo(id);
            assertThat(first.data().at("/metadata/course").asText()).isEqualTo("math-101");
            assertThat(first.data().at("/state").asText()).isIn("pending", "on");

            JsonNode on = ControlApi.within(LIVE, "the status on with the encoder's figures", () -> {
                JsonNode status = api.get(recording + "/status").expect(200);
                return status.at("/state").asText().equals("on") && status.at("/durationSeconds").asDouble() > 1
                        && status.at("/bytes").asLong() > 0 ? status : null;
            });
            assertThat(on.at("/mode").asText()).isEqualTo("file");
            assertThat(on.at("/meeting").asText()).isEqualTo(pages.demo().toString());
            assertThat(on.at("/metadata/term/year").asInt()).isEqualTo(2026);
            assertThat(on.at("/fps").asDouble()).isPositive();
            assertThat(on.at("/speed").asDouble()).isPositive();
            assertThat(on.at("/pendingUploads").isObject()).isTrue();
            assertThat(on.at("/streams").isArray()).isTrue();
            assertThat(on.has("node")).as("recorded here").isFalse();

            api.post(recording + "/stop", "").expect(202);
            events.ended().get(LIVE.toSeconds(), TimeUnit.SECONDS);
            List<String> states = events.all().stream().map(event -> event.data().at("/state").asText())
                    .distinct().toList();
            assertThat(states).as("every state on the stream, in order").containsSubsequence("on", "stopping", "done");
            assertThat(states.get(states.size() - 1)).isEqualTo("done");
            assertThat(events.all().stream().filter(event -> event.data().at("/state").asText().equals("on")).count())
                    .as("repeated while on").isGreaterThan(1);
        }

        JsonNode done = api.get(recording + "/status").expect(200);
        assertThat(done.at("/state").asText()).isEqualTo("done");
        assertThat(done.at("/bytes").asLong()).as("the stored file's size").isPositive();
        JsonNode entry = api.get(recording).expect(200);
        assertThat(entry.at("/status").asText()).isEqualTo("READY");
        assertThat(entry.at("/appData/course").asText()).isEqualTo("math-101");

        // Still the same recording when the key is used again after it ended; still nothing new.
        ControlApi.Answer later = api.send(api.request("/api/v1/recordings").header("Content-Type", "application/json")
                .header("Idempotency-Key", key).POST(HttpRequest.BodyPublishers.ofString(body)));
        assertThat(later.expect(200).at("/id").asText()).isEqualTo(id);
        assertThat(later.json().at("/state").asText()).isEqualTo("done");
        assertThat(api.get("/api/v1/sessions").expect(200).size() - sessionsBefore).isEqualTo(1);

        // The file is 640x360: scaled by the encoder from the slot's 1280x720 display.
        Path media = downloads.resolve(id + ".mp4");
        HttpResponse<Path> download = java.net.http.HttpClient.newHttpClient().send(
                api.request(recording + "/media").GET().build(), HttpResponse.BodyHandlers.ofFile(media));
        assertThat(download.statusCode()).isEqualTo(200);
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(media.toFile())) {
            grabber.start();
            assertThat(grabber.getImageWidth()).isEqualTo(640);
            assertThat(grabber.getImageHeight()).isEqualTo(360);
            assertThat(grabber.getLengthInTime()).as("microseconds").isGreaterThan(1_000_000);
        }
        assertThat(Files.size(media)).isPositive();
    }

    /** Runs {@code call} on {@code count} threads released at the same moment. */
    private static <T> List<T> concurrently(int count, Callable<T> call) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(count);
        CountDownLatch start = new CountDownLatch(count);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                futures.add(threads.submit(() -> {
                    start.countDown();
                    start.await();
                    return call.call();
                }));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            threads.shutdownNow();
        }
    }
}
