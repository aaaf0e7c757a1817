package dev.capstan.scheduler.events.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.fixture.ProsodyServer;
import dev.capstan.storage.fixture.S3ProxyServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code /actuator/health} through real outages of the store (S3Proxy killed) and of XMPP (Prosody killed): the
 * component shows the fault with HTTP 200 (recordings go on, so nothing should restart the node), and turns UP by
 * itself once the server is back on the same port, without anyone acting.
 */
@Tag("media") // the application warms its slot (Chromium) even though nothing records here
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "capstan.node.slots=1",
        "capstan.archive.store=s3",
        "capstan.archive.s3.bucket=recordings",
        "capstan.archive.s3.path-style=true",
        "capstan.archive.s3.create-bucket=true",
        "capstan.archive.store-check=1s"})
class HealthRecoveryTest {

    private static final Duration NOTICED_WITHIN = Duration.ofSeconds(15);
    private static final Duration RECOVERED_WITHIN = Duration.ofSeconds(30);

    @AutoClose
    private static S3ProxyServer s3;
    @AutoClose
    private static ProsodyServer prosody;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) throws Exception {
        if (s3 == null) {
            s3 = S3ProxyServer.start();
            prosody = ProsodyServer.start(Files.createTempDirectory("capstan-prosody"));
        }
        registry.add("capstan.archive.s3.endpoint", () -> s3.endpoint().toString());
        registry.add("capstan.archive.s3.access-key", s3::accessKey);
        registry.add("capstan.archive.s3.secret-key", s3::secretKey);
        Map<String, Object> environment = new LinkedHashMap<>();
        environment.put("name", "test");
        environment.put("xmpp-server-hosts[0]", "127.0.0.1:" + prosody.c2sPort());
        environment.put("xmpp-domain", ProsodyServer.DOMAIN);
        environment.put("strip-from-room-domain", "conference.");
        environment.put("control-login.domain", ProsodyServer.AUTH_DOMAIN);
        environment.put("control-login.username", ProsodyServer.JIBRI_USER);
        environment.put("control-login.password", ProsodyServer.JIBRI_PASSWORD);
        environment.put("control-muc.domain", ProsodyServer.INTERNAL_MUC_DOMAIN);
        environment.put("control-muc.room-name", "jibribrewery");
        environment.put("control-muc.nickname", "capstan");
        environment.put("call-login.domain", ProsodyServer.RECORDER_DOMAIN);
        environment.put("call-login.username", ProsodyServer.RECORDER_USER);
        environment.put("call-login.password", ProsodyServer.RECORDER_PASSWORD);
        environment.forEach((key, value) -> registry.add("capstan.jibri.environments[0]." + key, () -> value));
    }

    /** One look at health: its HTTP status and body. */
    private record Look(int status, JsonNode body) {

        String overall() {
            return body.at("/status").asText();
        }

        String component(String name) {
            return body.at("/components/" + name + "/status").asText();
        }
    }

    private Look health() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/actuator/health")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return new Look(response.statusCode(), json.readTree(response.body()));
    }

    private Look awaitHealth(String what, Duration within, Predicate<Look> until) {
        return await(what).atMost(within).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(250))
                .until(this::health, until);
    }

    private Look awaitAllUp() {
        return awaitHealth("everything UP", Duration.ofSeconds(60), look -> look.overall().equals("UP"));
    }

    @Test
    void theStoreGoingAwayShowsAsSpoolingAndItsReturnAsUpWithoutAnyoneActing() throws Exception {
        awaitAllUp();

        s3.kill();
        long killed = System.nanoTime();
        Look down = awaitHealth("archive SPOOLING", NOTICED_WITHIN,
                look -> look.component("archive").equals("SPOOLING"));
        System.out.printf("store outage noticed in %d ms%n", (System.nanoTime() - killed) / 1_000_000);
        assertThat(down.status()).as("recordings go on: no orchestrator should restart the node").isEqualTo(200);
        assertThat(down.overall()).isEqualTo("SPOOLING");
        assertThat(down.body().at("/components/archive/details/storeError").asText()).isNotBlank()
                .doesNotContain(s3.secretKey());

        s3.restart();
        long back = System.nanoTime();
        Look up = awaitHealth("archive UP again", RECOVERED_WITHIN, look -> look.component("archive").equals("UP"));
        System.out.printf("store back noticed in %d ms%n", (System.nanoTime() - back) / 1_000_000);
        assertThat(up.status()).isEqualTo(200);
        assertThat(up.body().at("/components/archive/details/storeError").isMissingNode()).isTrue();
        awaitAllUp();
    }

    @Test
    void xmppGoingAwayShowsAsReconnectingAndItsReturnAsUpWithoutAnyoneActing() throws Exception {
        awaitAllUp();

        prosody.kill();
        long killed = System.nanoTime();
        Look away = awaitHealth("jibri RECONNECTING", NOTICED_WITHIN,
                look -> look.component("jibri").equals("RECONNECTING"));
        System.out.printf("XMPP outage noticed in %d ms%n", (System.nanoTime() - killed) / 1_000_000);
        assertThat(away.status()).isEqualTo(200);
        assertThat(away.overall()).isEqualTo("RECONNECTING");

        prosody.restart();
        long back = System.nanoTime();
        Look up = awaitHealth("jibri UP again", RECOVERED_WITHIN, look -> look.component("jibri").equals("UP"));
        System.out.printf("XMPP back noticed in %d ms%n", (System.nanoTime() - back) / 1_000_000);
        assertThat(up.status()).isEqualTo(200);
        awaitAllUp();
    }
}
