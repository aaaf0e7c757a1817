package dev.capstan.scheduler.events.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.demo.DemoPageController;
import dev.capstan.storage.fixture.LoopbackPort;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * {@code /actuator/prometheus} as Prometheus scrapes it (over HTTP, with the API key as its bearer token, parsed
 * as text) around one failed start and one short real recording of the demo page: the autoscaling gauges follow
 * the node, the start latency lands in the histogram, the failure is counted under its reason.
 */
@Tag("media")
// Spring Boot tests keep only an in-memory registry unless asked: this one is about the Prometheus export.
@AutoConfigureObservability(tracing = false)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "capstan.node.slots=1",
        // Encoder speed is known a window after the first frame: short, so the recording can be short.
        "capstan.node.speed-window=2s",
        // The demo page takes about half a core here; the default reservation (0.9) would let other work on this
        // host (builds, tests outside the heavy lock) refuse the start for want of CPU.
        "capstan.node.cpu-per-recording=0.5",
        "capstan.api.keys=" + PrometheusScrapeTest.KEY,
        "management.endpoints.web.exposure.include=health,info,metrics,prometheus"})
class PrometheusScrapeTest {

    static final String KEY = "scrape-test-key-6c1d";
    private static final Duration WARM = Duration.ofSeconds(90);

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @LocalServerPort
    int port;

    private HttpResponse<String> get(String path, boolean withKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (withKey) {
            request.header("Authorization", "Bearer " + KEY);
        }
        return http.send(request.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode api(String path) throws Exception {
        HttpResponse<String> response = get(path, true);
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private PrometheusText scrape() throws Exception {
        HttpResponse<String> response = get("/actuator/prometheus", true);
        assertThat(response.statusCode()).as("scrape: %s", response.body()).isEqualTo(200);
        return PrometheusText.parse(response.body());
    }

    private PrometheusText awaitScrape(String what, Duration within, Predicate<PrometheusText> until) {
        return await(what).atMost(within).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(250))
                .until(this::scrape, until);
    }

    /** Waits until session {@code id} is listed in {@code state}; a timeout shows it as last listed (or null). */
    private JsonNode awaitSession(String id, String state, Duration within) {
        return await("session " + id + " " + state).atMost(within).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    for (JsonNode session : api("/api/v1/sessions")) {
                        if (session.at("/recordingId").asText().equals(id)) {
                            return session;
                        }
                    }
                    return null;
                }, session -> session != null && session.at("/state").asText().equals(state));
    }

    /**
     * Starts a recording over REST and returns its id. A 503 is retried as a client would after {@code Retry-After}:
     * other work on this host (builds, other tests) can leave too little CPU for a moment.
     */
    private String start(String page) throws Exception {
        HttpResponse<String> started = await("a start not refused with 503").atMost(Duration.ofSeconds(60))
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofSeconds(1))
                .until(() -> post("/api/v1/recordings", "{\"url\": \"" + page + "\", \"maxDuration\": \"PT60S\"}"),
                        response -> response.statusCode() != 503);
        assertThat(started.statusCode()).as("start: %s", started.body()).isEqualTo(201);
        String location = started.headers().firstValue("Location").orElseThrow();
        return location.substring(location.lastIndexOf('/') + 1);
    }

    private static boolean slotFree(PrometheusText scrape) {
        return scrape.require("capstan_slots_free") == 1;
    }

    @Test
    @Order(1)
    void prometheusScrapesWithTheApiKeyAsBearerTokenAndNothingWithout() throws Exception {
        assertThat(get("/actuator/prometheus", false).statusCode()).isEqualTo(401);
        HttpResponse<String> scrape = get("/actuator/prometheus", true);
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(scrape.body()).doesNotContain(KEY);
        // Health stays open for orchestrators.
        assertThat(get("/actuator/health", false).statusCode()).isEqualTo(200);
    }

    @Test
    @Order(2)
    void anIdleNodeShowsItsFreeSlotAndEveryBacklogGauge() throws Exception {
        PrometheusText scrape = awaitScrape("a warm slot", WARM, PrometheusScrapeTest::slotFree);
        JsonNode node = api("/api/v1/node");
        long idle = 0;
        for (JsonNode slot : node.at("/slots")) {
            idle += slot.at("/state").asText().equals("idle") ? 1 : 0;
        }
        assertThat(scrape.require("capstan_slots_free")).isEqualTo(idle).isEqualTo(1);
        assertThat(scrape.require("capstan_slots_busy")).isZero();
        assertThat(scrape.require("capstan_queue_length")).isEqualTo(node.at("/queued").asDouble()).isZero();
        assertThat(scrape.require("capstan_load_ratio")).isZero();
        assertThat(scrape.require("capstan_nodes", "state", "ready")).isEqualTo(1);
        assertThat(scrape.require("capstan_nodes", "state", "draining")).isZero();
        assertThat(scrape.require("capstan_sessions", "state", "pending")).isZero();
        assertThat(scrape.require("capstan_sessions", "state", "on")).isZero();
        // Every failure reason is there before the first failure, so alerts on increase() see the first one.
        assertThat(scrape.require("capstan_session_failures_total", "reason", "page-unreachable")).isZero();
        assertThat(scrape.require("capstan_session_failures_total", "reason", "other")).isZero();
        // The upload backlog, under the names an operator would look for.
        assertThat(scrape.require("capstan_archive_uploads")).isZero();
        assertThat(scrape.require("capstan_archive_uploads_spooling")).isZero();
        assertThat(scrape.require("capstan_archive_pending_segments")).isZero();
        assertThat(scrape.require("capstan_archive_pending_bytes")).isZero();
        assertThat(scrape.require("capstan_archive_store_reachable")).isEqualTo(1);
        assertThat(scrape.require("capstan_node_slots", "state", "idle")).isEqualTo(1);
    }

    @Test
    @Order(3)
    void aPageThatCannotBeReachedFailsTheSessionAndIsCountedUnderItsReason() throws Exception {
        awaitScrape("a warm slot", WARM, PrometheusScrapeTest::slotFree);
        String id = start("http://127.0.0.1:" + LoopbackPort.free() + "/nobody-listens-here");
        JsonNode failed = awaitSession(id, "failed", Duration.ofSeconds(60));
        assertThat(failed.at("/failure").asText()).startsWith("page-unreachable:");

        PrometheusText scrape = scrape();
        assertThat(scrape.require("capstan_session_failures_total", "reason", "page-unreachable")).isEqualTo(1);
        double all = scrape.all("capstan_session_failures_total").stream()
                .mapToDouble(PrometheusText.Sample::value).sum();
        assertThat(all).as("no other failure counted").isEqualTo(1);
        assertThat(scrape.all("capstan_session_failures_total")).as("one series per reason, never the text")
                .allSatisfy(sample -> assertThat(sample.labels().get("reason")).matches("[a-z-]+"));
        assertThat(scrape.value("capstan_session_start_seconds_count", "origin", "rest").orElse(0))
                .as("a failed start is no start").isZero();
        assertThat(scrape.require("capstan_sessions", "state", "pending")).isZero();
    }

    @Test
    @Order(4)
    void aRecordingTakesTheSlotLandsInTheStartHistogramAndSamplesItsEncoder() throws Exception {
        awaitScrape("the slot free again", WARM, PrometheusScrapeTest::slotFree);
        String id = start("http://127.0.0.1:" + port + DemoPageController.PATH);
        awaitSession(id, "on", Duration.ofSeconds(30));

        // Gauges share one snapshot for up to a second: the scrape before the start may still answer.
        PrometheusText on = awaitScrape("the slot busy", Duration.ofSeconds(3),
                scrape -> scrape.require("capstan_slots_busy") == 1);
        assertThat(on.require("capstan_slots_free")).isZero();
        assertThat(on.require("capstan_sessions", "state", "on")).isEqualTo(1);
        assertLoadRatioIsTheRecordingsCpuOverTheCores();

        assertThat(on.require("capstan_session_start_seconds_count", "origin", "rest")).isEqualTo(1);
        double seconds = on.require("capstan_session_start_seconds_sum", "origin", "rest");
        assertThat(seconds).as("filing to first frame").isPositive().isLessThan(30);
        List<String> bounds = on.bucketBounds("capstan_session_start_seconds", "origin", "rest");
        assertThat(bounds).contains("0.25", "1.0", "5.0", "30.0", "+Inf");
        assertThat(on.require("capstan_session_start_seconds_bucket", "origin", "rest", "le", "30.0")).isEqualTo(1);
        assertThat(on.require("capstan_session_start_seconds_bucket", "origin", "rest", "le", "+Inf")).isEqualTo(1);
        System.out.printf("filing to first frame: %.3f s%n", seconds);

        PrometheusText sampled = awaitScrape("an encoder speed sample", Duration.ofSeconds(20),
                scrape -> scrape.value("capstan_encoder_speed_count").orElse(0) >= 1);
        double speed = sampled.require("capstan_encoder_speed_sum") / sampled.require("capstan_encoder_speed_count");
        assertThat(speed).as("the demo page encodes at about real time").isBetween(0.5, 2.0);
        assertThat(sampled.bucketBounds("capstan_encoder_speed")).contains("0.98", "1.0", "+Inf");

        HttpResponse<String> stop = post("/api/v1/recordings/" + id + "/stop", "");
        assertThat(stop.statusCode()).as("stop: %s", stop.body()).isEqualTo(202);
        awaitSession(id, "done", Duration.ofSeconds(30));
        PrometheusText after = awaitScrape("the slot back after the recording", Duration.ofSeconds(10),
                scrape -> scrape.require("capstan_slots_busy") == 0);
        assertThat(after.require("capstan_sessions", "state", "on")).isZero();
        assertThat(after.require("capstan_session_start_seconds_count", "origin", "rest")).isEqualTo(1);
        assertThat(after.require("capstan_session_failures_total", "reason", "page-unreachable"))
                .as("the recording did not fail").isEqualTo(1);
    }

    /**
     * While the recording is unmeasured its cost is the reservation, then what it uses: both sides are read close
     * together and compared a few times, since a measurement may land between them.
     */
    private void assertLoadRatioIsTheRecordingsCpuOverTheCores() {
        // About five looks, each past the gauges' one-second snapshot.
        await("the load ratio at the recordings' CPU over the cores").atMost(Duration.ofSeconds(6))
                .pollDelay(Duration.ofMillis(1100)).pollInterval(Duration.ofMillis(1100))
                .untilAsserted(() -> {
                    double ratio = scrape().require("capstan_load_ratio");
                    JsonNode node = api("/api/v1/node");
                    double cpu = 0;
                    for (JsonNode recording : node.at("/recordings")) {
                        cpu += recording.at("/cpu").asDouble();
                    }
                    double expected = cpu / node.at("/load/cores").asDouble(); // the cpu-budget is 1.0 (the default)
                    assertThat(ratio).as("load ratio").isPositive().isCloseTo(expected, within(0.02));
                });
    }
}
