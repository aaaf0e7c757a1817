package dev.capstan.scheduler.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.recorder.fixture.PageServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/** The embedded node as an operator sees it: status over REST, health and metrics, with a real warm slot. */
@Tag("media")
// One slot that does not grow: the queue test needs the second start to wait (an added slot would take it).
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"capstan.node.slots=1", "capstan.node.max-slots=1"})
class NodeEndpointsTest {

    private static PageServer pages;

    @Autowired
    TestRestTemplate http;

    @BeforeAll
    static void startPages() throws Exception {
        pages = PageServer.start();
    }

    @AfterAll
    static void stopPages() {
        pages.close();
    }

    private JsonNode awaitIdleSlot() {
        return await("the slot warm and idle").atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(250))
                .until(() -> http.getForObject("/api/v1/node", JsonNode.class),
                        status -> status.at("/slots/0/state").asText().equals("idle"));
    }

    @Test
    void statusShowsTheWarmSlotTheLoadAndThatTheNodeAdmits() throws Exception {
        JsonNode status = awaitIdleSlot();
        assertThat(status.at("/slots").size()).isEqualTo(1);
        assertThat(status.at("/slots/0/name").asText()).isEqualTo("slot-1");
        assertThat(status.at("/slots/0/uses").asInt()).isZero();
        assertThat(status.at("/load/cores").asInt()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(status.at("/load/memoryAvailable").asLong()).isPositive();
        assertThat(status.at("/cpuPerRecording").asDouble()).isPositive();
        assertThat(status.at("/queued").asInt()).isZero();
        assertThat(status.at("/recordings").size()).isZero();
        assertThat(status.at("/slotCount/base").asInt()).isEqualTo(1);
        assertThat(status.at("/slotCount/max").asInt()).isEqualTo(1);
        assertThat(status.at("/slotCount/current").asInt()).isEqualTo(1);
    }

    @Test
    void healthCarriesTheNodesSlots() throws Exception {
        awaitIdleSlot();
        ResponseEntity<JsonNode> health = http.getForEntity("/actuator/health", JsonNode.class);
        assertThat(health.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(health.getBody().at("/status").asText()).isEqualTo("UP");
        assertThat(health.getBody().at("/components/node/status").asText()).isEqualTo("UP");
        assertThat(health.getBody().at("/components/node/details/idleSlots").asInt()).isEqualTo(1);
    }

    @Test
    void metricsCountSlotsByStateAndTheQueue() throws Exception {
        awaitIdleSlot();
        JsonNode idle = http.getForObject("/actuator/metrics/capstan.node.slots?tag=state:idle", JsonNode.class);
        assertThat(idle.at("/measurements/0/value").asDouble()).isEqualTo(1.0);
        JsonNode broken = http.getForObject("/actuator/metrics/capstan.node.slots?tag=state:broken", JsonNode.class);
        assertThat(broken.at("/measurements/0/value").asDouble()).isZero();
        JsonNode base = http.getForObject("/actuator/metrics/capstan.node.slots.base", JsonNode.class);
        assertThat(base.at("/measurements/0/value").asDouble()).isEqualTo(1.0);
        JsonNode max = http.getForObject("/actuator/metrics/capstan.node.slots.max", JsonNode.class);
        assertThat(max.at("/measurements/0/value").asDouble()).isEqualTo(1.0);
        JsonNode queue = http.getForObject("/actuator/metrics/capstan.node.queue.length", JsonNode.class);
        assertThat(queue.at("/measurements/0/value").asDouble()).isZero();
        JsonNode overloaded = http.getForObject("/actuator/metrics/capstan.node.overloaded", JsonNode.class);
        assertThat(overloaded.at("/measurements/0/value").asDouble()).isZero();
    }

    /** README: a REST start waits in the queue up to capstan.node.queue-timeout (2 min) instead of a 503 at once. */
    @Test
    void aRestStartWaitsInTheQueueWhileTheSlotRecordsAndStartsOnceItIsFree() throws Exception {
        awaitIdleSlot();
        Map<String, String> body = Map.of("url", pages.demo().toString());
        ResponseEntity<JsonNode> first = http.postForEntity("/api/v1/recordings", body, JsonNode.class);
        assertThat(first.getStatusCode()).as("%s", first.getBody()).isEqualTo(HttpStatus.CREATED);
        String firstId = first.getBody().at("/id").asText();
        CompletableFuture<ResponseEntity<JsonNode>> second = CompletableFuture.supplyAsync(
                () -> http.postForEntity("/api/v1/recordings", body, JsonNode.class));
        try {
            JsonNode status = await("the second start queued").atMost(Duration.ofSeconds(10))
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(200))
                    .failFast(() -> assertThat(second).as("the second start waits instead of a busy answer")
                            .isNotDone())
                    .until(() -> http.getForObject("/api/v1/node", JsonNode.class),
                            node -> node.at("/queued").asInt() == 1);
            // Whoever looks sees who waits, for how long, and why.
            assertThat(status.at("/waiting/0/position").asInt()).isEqualTo(1);
            assertThat(Duration.parse(status.at("/waiting/0/left").asText())).isPositive();
            assertThat(status.at("/busy/reason").asText()).isEqualTo("NO_IDLE_SLOT");
            Thread.sleep(3000);
            assertThat(second).as("still waiting while the only slot records").isNotDone();
        } finally {
            stop(firstId);
        }
        ResponseEntity<JsonNode> started = second.get(60, TimeUnit.SECONDS);
        assertThat(started.getStatusCode()).as("%s", started.getBody()).isEqualTo(HttpStatus.CREATED);
        String secondId = started.getBody().at("/id").asText();
        assertThat(secondId).isNotEqualTo(firstId);
        stop(secondId);
        awaitIdleSlot();
    }

    private void stop(String id) {
        assertThat(http.postForEntity("/api/v1/recordings/" + id + "/stop", null, JsonNode.class).getStatusCode())
                .isEqualTo(HttpStatus.ACCEPTED);
    }
}
