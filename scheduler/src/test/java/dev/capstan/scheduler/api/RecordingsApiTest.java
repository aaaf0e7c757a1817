package dev.capstan.scheduler.api;

import static dev.capstan.scheduler.web.PageBrowser.within;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.node.Node;
import dev.capstan.scheduler.demo.DemoPageController;
import dev.capstan.scheduler.plan.Meeting;
import dev.capstan.scheduler.plan.Part;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.web.PageBrowser;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.blob.LocalBlobStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The archive's REST API over the default local store, with one real recording of the demo meeting: search,
 * metadata, byte ranges, thumbnail, the finalize script, bad input and delete.
 */
@Tag("media")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "capstan.node.slots=1", "capstan.archive.finalize-script.timeout=30s"})
class RecordingsApiTest {

    private static Path finalizeOutput;

    @Autowired
    Recordings recordings;

    @Autowired
    BlobStore store;

    @Autowired
    Node node;

    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private RecordingEntry recorded;
    private Instant finalizeStartedBy;

    /** Jibri's finalize contract: one argument, the directory with the media file and metadata.json. It is slow. */
    @DynamicPropertySource
    static void finalizeScript(DynamicPropertyRegistry registry) throws Exception {
        Path directory = Files.createTempDirectory("capstan-finalize-");
        finalizeOutput = directory.resolve("finalize.out");
        Path script = directory.resolve("finalize.sh");
        // Written aside and renamed, so that the test never reads it half-written.
        Files.writeString(script, "#!/bin/sh\nsleep 3\n{ echo \"$#\"; echo \"$1\"; ls \"$1\"; } > " + finalizeOutput
                + ".part && mv " + finalizeOutput + ".part " + finalizeOutput + "\n");
        script.toFile().setExecutable(true);
        registry.add("capstan.archive.finalize-script.command", script::toString);
    }

    @BeforeAll
    void recordSixSeconds() throws Exception {
        RecordingId id = RecordingId.generate();
        URI page = URI.create("http://127.0.0.1:" + port + DemoPageController.PATH);
        RecordingPlan plan = new RecordingPlan(id, "api-room", new Meeting.Page(page), RecordingPlan.outputs(true,
                List.of()), Optional.of(Duration.ofSeconds(6)), Optional.empty(), Optional.empty(),
                Map.of("file_recording_metadata", Map.of("share", true)), Optional.of("jicofo-session-1"),
                Instant.now());
        recordings.start(plan, Part.first(plan), Duration.ofSeconds(90), e -> {})
                .get(90, TimeUnit.SECONDS).outcome().get(60, TimeUnit.SECONDS);
        recorded = recordings.archive().settled(id).get(30, TimeUnit.SECONDS).orElseThrow();
        finalizeStartedBy = Instant.now();
    }

    private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (headers.length > 0) {
            request.headers(headers);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private JsonNode getJson(String path, int expectedStatus) throws Exception {
        HttpResponse<byte[]> response = get(path);
        assertThat(response.statusCode()).as("GET %s: %s", path, new String(response.body())).isEqualTo(expectedStatus);
        return json.readTree(response.body());
    }

    private Path mediaFile() {
        return ((LocalBlobStore) store).localFile(recorded.mediaKey().orElseThrow()).orElseThrow();
    }

    @Test
    @Order(1)
    void theFinalizeScriptRunsAfterTheRecordingIsReadyWithoutHoldingTheSlot() throws Exception {
        assertThat(recorded.status()).isEqualTo(RecordingStatus.READY);
        // The script sleeps 3 s: the recording is ready and its slot idle while it still runs.
        assertThat(finalizeOutput).doesNotExist();
        assertThat(node.status().idleSlots()).isEqualTo(1);
        await("the finalize script's output").atMost(Duration.ofSeconds(20)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(200)).until(() -> Files.exists(finalizeOutput));
        List<String> lines = Files.readAllLines(finalizeOutput);
        assertThat(lines.get(0)).as("argument count").isEqualTo("1");
        assertThat(Path.of(lines.get(1))).isEqualTo(mediaFile().getParent());
        assertThat(lines.subList(2, lines.size())).contains("metadata.json", mediaFile().getFileName().toString());
    }

    @Test
    @Order(2)
    void metadataJsonHasJibrisFieldsWithTheClientsMetadataMergedAtTheTop() throws Exception {
        JsonNode metadata = json.readTree(mediaFile().resolveSibling("metadata.json").toFile());
        assertThat(metadata.at("/meeting_url").asText()).endsWith(DemoPageController.PATH);
        assertThat(metadata.at("/participants").isArray()).isTrue();
        assertThat(metadata.at("/share").asBoolean()).isTrue();
        assertThat(metadata.has("file_recording_metadata")).isFalse();
    }

    @Test
    @Order(2)
    void aRecordingsMetadataDescribesIt() throws Exception {
        JsonNode view = getJson("/api/v1/recordings/" + recorded.id(), 200);
        assertThat(view.at("/status").asText()).isEqualTo("READY");
        assertThat(view.at("/room").asText()).isEqualTo("api-room");
        assertThat(view.at("/sessionId").asText()).isEqualTo("jicofo-session-1");
        assertThat(view.at("/durationSeconds").asDouble()).isBetween(5.5, 6.5);
        assertThat(view.at("/sizeBytes").asLong()).isEqualTo(Files.size(mediaFile()));
        assertThat(view.at("/checksum").asText()).hasSize(64);
        assertThat(view.at("/appData/file_recording_metadata/share").asBoolean()).isTrue();
        assertThat(view.at("/links/media").asText()).isEqualTo("/api/v1/recordings/" + recorded.id() + "/media");
    }

    @Test
    @Order(2)
    void searchFiltersByRoomStatusAndTimeNewestFirst() throws Exception {
        String from = recorded.startedAt().minusSeconds(60).toString();
        String to = recorded.startedAt().plusSeconds(60).toString();
        JsonNode page = getJson("/api/v1/recordings?room=api-room&status=ready&from=" + from + "&to=" + to, 200);
        assertThat(page.at("/totalItems").asLong()).isEqualTo(1);
        assertThat(page.at("/items/0/id").asText()).isEqualTo(recorded.id().value());
        assertThat(getJson("/api/v1/recordings?room=another-room", 200).at("/totalItems").asLong()).isZero();
        assertThat(getJson("/api/v1/recordings?status=failed&room=api-room", 200).at("/totalItems").asLong()).isZero();
        assertThat(getJson("/api/v1/recordings?to=" + from, 200).at("/totalItems").asLong()).isZero();
        JsonNode firstOfOne = getJson("/api/v1/recordings?size=1&page=0", 200);
        assertThat(firstOfOne.at("/size").asInt()).isEqualTo(1);
        assertThat(firstOfOne.at("/items").size()).isEqualTo(1);
    }

    @Test
    @Order(2)
    void mediaServesByteRangesExactly() throws Exception {
        byte[] file = Files.readAllBytes(mediaFile());
        String media = "/api/v1/recordings/" + recorded.id() + "/media";

        HttpResponse<byte[]> whole = get(media);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.headers().firstValue("Content-Type")).hasValue("video/mp4");
        assertThat(whole.headers().firstValue("Accept-Ranges")).hasValue("bytes");
        assertThat(whole.body()).isEqualTo(file);

        HttpResponse<byte[]> middle = get(media, "Range", "bytes=1000-1999");
        assertThat(middle.statusCode()).isEqualTo(206);
        assertThat(middle.headers().firstValue("Content-Range")).hasValue("bytes 1000-1999/" + file.length);
        assertThat(middle.body()).isEqualTo(Arrays.copyOfRange(file, 1000, 2000));

        HttpResponse<byte[]> tail = get(media, "Range", "bytes=-500");
        assertThat(tail.statusCode()).isEqualTo(206);
        assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(file, file.length - 500, file.length));

        HttpResponse<byte[]> open = get(media, "Range", "bytes=" + (file.length - 10) + "-");
        assertThat(open.body()).isEqualTo(Arrays.copyOfRange(file, file.length - 10, file.length));

        HttpResponse<byte[]> beyond = get(media, "Range", "bytes=" + file.length + "-");
        assertThat(beyond.statusCode()).isEqualTo(416);
        assertThat(beyond.headers().firstValue("Content-Range")).hasValue("bytes */" + file.length);
    }

    @Test
    @Order(2)
    void theThumbnailIsAPictureOfTheMeeting() throws Exception {
        HttpResponse<byte[]> response = get("/api/v1/recordings/" + recorded.id() + "/thumbnail");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("image/jpeg");
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(response.body()));
        assertThat(image.getWidth()).isEqualTo(320);
        assertThat(image.getHeight()).isEqualTo(180);
        long bright = 0;
        for (int y = 0; y < image.getHeight(); y += 4) {
            for (int x = 0; x < image.getWidth(); x += 4) {
                int rgb = image.getRGB(x, y);
                bright += ((rgb >> 16 & 0xff) + (rgb >> 8 & 0xff) + (rgb & 0xff)) > 90 ? 1 : 0;
            }
        }
        assertThat(bright).as("lit pixels: not a black frame").isGreaterThan(100);
    }

    /** As a person would: open the page, find the recording with its thumbnail, click it, and it plays. */
    @Test
    @Order(3)
    void theRecordingsPageListsTheRecordingAndItsVideoPlays() throws Exception {
        ChromeDriver browser = PageBrowser.open();
        try {
            browser.get("http://127.0.0.1:" + port + "/recordings/");
            WebElement item = within(Duration.ofSeconds(20), "the recording is listed", () ->
                    browser.findElements(By.cssSelector("[data-recording-id='" + recorded.id() + "']")).stream()
                            .filter(WebElement::isDisplayed).findFirst().orElse(null));
            assertThat(item.getText()).contains("api-room");
            WebElement thumbnail = item.findElement(By.tagName("img"));
            within(Duration.ofSeconds(10), "the thumbnail loads", () -> (Boolean) browser.executeScript(
                    "return arguments[0].complete && arguments[0].naturalWidth > 0 || null", thumbnail));
            item.click();
            WebElement player = within(Duration.ofSeconds(10), "the player opens", () -> {
                WebElement video = browser.findElement(By.id("player"));
                return video.isDisplayed() ? video : null;
            });
            browser.executeScript("arguments[0].muted = true; arguments[0].play();", player);
            within(Duration.ofSeconds(20), "the video plays", () -> (Boolean) browser.executeScript(
                    "return arguments[0].currentTime > 1.5 || null", player));
            Number duration = (Number) browser.executeScript("return arguments[0].duration", player);
            assertThat(duration.doubleValue()).as("the player knows the length").isBetween(5.5, 6.5);
            assertThat((Long) browser.executeScript("return arguments[0].videoWidth", player)).isEqualTo(1280L);
            // Seeking works: the file is indexed, and the server answers byte ranges.
            browser.executeScript("arguments[0].currentTime = 4.5;", player);
            within(Duration.ofSeconds(10), "the video seeks", () -> (Boolean) browser.executeScript(
                    "return !arguments[0].seeking && arguments[0].currentTime >= 4.4 && arguments[0].readyState >= 2"
                            + " || null", player));
            assertThat(browser.findElement(By.id("download")).getAttribute("href"))
                    .endsWith("/api/v1/recordings/" + recorded.id() + "/media");
        } finally {
            browser.quit();
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @Order(4)
    @CsvSource({
            "/api/v1/recordings/no-such-recording, 404",
            "/api/v1/recordings/no-such-recording/media, 404",
            "/api/v1/recordings/a..b, 400",
            "/api/v1/recordings/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd, 400",
            "/api/v1/recordings/..%2F..%2Fetc%2Fpasswd/media, 400",
            "/api/v1/recordings/%252E%252E%252Fetc/thumbnail, 400",
            "/api/v1/recordings?status=lost, 400",
            "/api/v1/recordings?from=yesterday, 400",
            "/api/v1/recordings?page=-1, 400",
            "/api/v1/recordings?page=first, 400",
            "/api/v1/recordings?size=1000, 400",
            "/api/v1/recordings?from=2026-11-22T10:00:00Z&to=2026-11-21T10:00:00Z, 400"})
    void badInputGetsAClearJsonErrorWithoutAStackTrace(String path, int status) throws Exception {
        HttpResponse<byte[]> response = get(path);
        String body = new String(response.body());
        assertThat(response.statusCode()).as("%s: %s", path, body).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).contains("json");
        JsonNode problem = json.readTree(body);
        assertThat(problem.at("/status").asInt()).isEqualTo(status);
        assertThat(problem.at("/detail").asText()).isNotBlank();
        assertThat(body).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("trace");
    }

    @Test
    @Order(5)
    void deleteRemovesTheEntryAndItsFiles() throws Exception {
        Path file = mediaFile();
        HttpResponse<byte[]> deleted = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/v1/recordings/" + recorded.id())).DELETE().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(file).doesNotExist();
        assertThat(store.list(recorded.id() + "/")).isEmpty();
        getJson("/api/v1/recordings/" + recorded.id(), 404);
        getJson("/api/v1/recordings/" + recorded.id() + "/media", 404);
    }
}
