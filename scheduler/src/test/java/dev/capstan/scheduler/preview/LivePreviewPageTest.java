package dev.capstan.scheduler.preview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.fixture.CpuHog;
import dev.capstan.recorder.node.Node;
import dev.capstan.scheduler.api.ControlApi;
import dev.capstan.scheduler.demo.DemoPageController;
import dev.capstan.scheduler.web.PageBrowser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The "must show": the recordings page, opened in Chromium while the demo meeting is recorded (with an API
 * key, typed into the page's address as a person types it into the browser's prompt), plays the running recording
 * over HLS within 6 s of the recording's own length, and once the recording is stopped and filed plays its finished
 * file. A core is held busy throughout: a loaded host is the normal case.
 */
@Tag("media")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "capstan.node.slots=1", "capstan.api.keys=" + LivePreviewPageTest.KEY})
class LivePreviewPageTest {

    static final String KEY = "live-preview-test-key-51c2";
    private static final Duration WARM = Duration.ofSeconds(90);
    private static final Duration LIVE = Duration.ofSeconds(60);
    /** How far behind the recording the preview may play, in seconds (the bound). */
    private static final double MAX_LAG = 6.0;
    private static final double RECORD_SECONDS = 20;

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Autowired
    Node node;
    @LocalServerPort
    int port;

    @Test
    void theRecordingsPagePlaysARunningRecordingWithinSixSecondsOfLiveThenItsFinishedFile() throws Exception {
        try (CpuHog hog = CpuHog.steady(1.0)) {
            String id = start();
            String recording = "/api/v1/recordings/" + id;
            ControlApi.within(LIVE, "the recording is on", () ->
                    status(recording).at("/state").asText().equals("on") ? true : null);
            ChromeDriver browser = PageBrowser.open();
            try {
                browser.get("http://viewer:" + KEY + "@127.0.0.1:" + port + "/recordings/?play=" + id);
                WebElement video = PageBrowser.within(Duration.ofSeconds(40), "the preview plays", () -> {
                    WebElement player = browser.findElement(By.id("player"));
                    return "live".equals(player.getAttribute("data-source"))
                            && number(browser, "return arguments[0].currentTime", player) > 1 ? player : null;
                });

                browser.executeScript("window.stalls = 0; arguments[0].addEventListener('waiting', "
                        + "() => window.stalls++);", video);
                // Several seconds of playing, each moment against the recording's own length at that moment.
                List<Double> lags = new ArrayList<>();
                double firstTime = number(browser, "return arguments[0].currentTime", video);
                long firstNanos = System.nanoTime();
                double lastTime = firstTime;
                while (status(recording).at("/durationSeconds").asDouble() < RECORD_SECONDS
                        || System.nanoTime() - firstNanos < Duration.ofSeconds(6).toNanos()) {
                    double before = number(browser, "return arguments[0].currentTime", video);
                    double recorded = status(recording).at("/durationSeconds").asDouble();
                    lastTime = number(browser, "return arguments[0].currentTime", video);
                    lags.add(recorded - (before + lastTime) / 2);
                    assertThat(System.nanoTime() - firstNanos).as("bounded").isLessThan(LIVE.toNanos());
                    Thread.sleep(1000);
                }
                double wall = (System.nanoTime() - firstNanos) / 1e9;
                DoubleSummaryStatistics lag = lags.stream().mapToDouble(Double::doubleValue).summaryStatistics();
                System.out.printf("live preview beside a %.1f-core hog: %d samples over %.1f s, played %.1f s with "
                        + "%s stalls; lag behind the recording min %.2f avg %.2f max %.2f s%n", hog.cores(),
                        lags.size(), wall, lastTime - firstTime, browser.executeScript("return window.stalls"),
                        lag.getMin(), lag.getAverage(), lag.getMax());
                assertThat(lastTime - firstTime).as("the preview plays on (%.1f s of wall time)", wall)
                        .isGreaterThan(wall * 0.7);
                assertThat(lag.getMax()).as("the preview is within %s s of the recording: %s", MAX_LAG, lags)
                        .isLessThanOrEqualTo(MAX_LAG);
                assertThat(lag.getMin()).as("never ahead of what was recorded: %s", lags).isGreaterThan(-0.5);
                assertThat(browser.findElement(By.id("player-status")).getAttribute("data-mode")).isEqualTo("live");

                // A blocking reload for the next segment answers once it is complete: within a segment's 2 s.
                int listed = segments(playlist(recording + "/live.m3u8"));
                long asked = System.nanoTime();
                String next = playlist(recording + "/live.m3u8?_HLS_msn=" + listed);
                double waited = (System.nanoTime() - asked) / 1e9;
                assertThat(segments(next)).as("waited %.2f s", waited).isGreaterThan(listed);
                assertThat(waited).as("answered as soon as the next segment was complete").isLessThan(3.0);

                post(recording + "/stop");
                JsonNode entry = ControlApi.within(LIVE, "the recording is filed", () -> {
                    JsonNode found = get(recording);
                    return found.at("/status").asText().equals("READY") ? found : null;
                });
                String media = "http://127.0.0.1:" + port + recording + "/media";
                PageBrowser.within(Duration.ofSeconds(30), "the page plays the finished file", () ->
                        media.equals(video.getAttribute("src")) && video.getAttribute("data-source") == null
                                && number(browser, "return arguments[0].currentTime", video) > 0.5 ? true : null);
                double from = number(browser, "return arguments[0].currentTime", video);
                Thread.sleep(2000);
                assertThat(number(browser, "return arguments[0].currentTime", video)).as("the file plays on")
                        .isGreaterThan(from + 1);
                double length = entry.at("/durationSeconds").asDouble();
                assertThat(number(browser, "return arguments[0].duration", video)).as("the file's whole length")
                        .isCloseTo(length, within(1.0));
                assertThat(length).isGreaterThan(RECORD_SECONDS - 1);
                assertThat(browser.findElement(By.id("player-status")).getAttribute("data-mode")).isEqualTo("file");
            } finally {
                browser.quit();
            }
        }
    }

    private static double number(ChromeDriver browser, String script, WebElement element) {
        return ((Number) browser.executeScript(script, element)).doubleValue();
    }

    /** Starts a recording of the demo meeting over REST, asking again while the slot warms up (503). */
    private String start() {
        String body = "{\"url\": \"http://127.0.0.1:" + port + DemoPageController.PATH + "\", \"maxDuration\": \"PT2M\"}";
        return ControlApi.within(WARM, "the node takes the recording", () -> {
            if (node.status().idleSlots() < 1) {
                return null;
            }
            HttpResponse<String> answer = http.send(request("/api/v1/recordings")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (answer.statusCode() == 503) {
                return null;
            }
            assertThat(answer.statusCode()).as("start: %s", answer.body()).isEqualTo(201);
            return JSON.readTree(answer.body()).at("/id").asText();
        });
    }

    private String playlist(String path) throws Exception {
        HttpResponse<String> answer = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("GET %s: %s", path, answer.body()).isEqualTo(200);
        return answer.body();
    }

    private static int segments(String playlist) {
        return (int) playlist.lines().filter(line -> line.startsWith("#EXTINF:")).count();
    }

    private JsonNode status(String recording) throws Exception {
        return get(recording + "/status");
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> answer = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("GET %s: %s", path, answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private void post(String path) throws Exception {
        HttpResponse<String> answer = http.send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("POST %s: %s", path, answer.body()).isEqualTo(202);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("X-Api-Key", KEY);
    }
}
