package dev.capstan.scheduler.pool;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;

/** The embedded node as an operator sees it: status over REST, health and metrics, with a real warm slot. */
@Tag("media")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "capstan.node.slots=1")
class NodeEndpointsTest {

    @Autowired
    TestRestTemplate http;

    private JsonNode awaitIdleSlot() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode status = http.getForObject("/api/v1/node", JsonNode.class);
        while (!status.at("/slots/0/state").asText().equals("idle")) {
            assertThat(System.nanoTime()).as("slot warm within 60 s; last status %s", status).isLessThan(deadline);
            Thread.sleep(250);
            status = http.getForObject("/api/v1/node", JsonNode.class);
        }
        return status;
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
        JsonNode queue = http.getForObject("/actuator/metrics/capstan.node.queue.length", JsonNode.class);
        assertThat(queue.at("/measurements/0/value").asDouble()).isZero();
        JsonNode overloaded = http.getForObject("/actuator/metrics/capstan.node.overloaded", JsonNode.class);
        assertThat(overloaded.at("/measurements/0/value").asDouble()).isZero();
    }
}
