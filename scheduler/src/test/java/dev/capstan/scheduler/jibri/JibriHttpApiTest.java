package dev.capstan.scheduler.jibri;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Jibri's HTTP API as scripts written for Jibri use it: on its own loopback port, Jibri's JSON and status codes,
 * clear answers to bad requests, and nothing of it on the main port (nor the main API on its port).
 */
@Tag("media")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "capstan.node.slots=1")
class JibriHttpApiTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Autowired
    JibriHttpPort jibriPort;

    @LocalServerPort
    int mainPort;

    private URI jibri(String path) {
        return URI.create("http://127.0.0.1:" + jibriPort.localPort() + "/jibri/api/v1.0" + path);
    }

    private static HttpResponse<String> post(URI uri, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthIsJibrisShapeOnItsOwnLoopbackPort() throws Exception {
        assertThat(jibriPort.localPort()).isPositive().isNotEqualTo(mainPort);

        HttpResponse<String> health = get(jibri("/health"));

        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(health.body());
        assertThat(body.at("/status/busyStatus").asText()).isEqualTo("IDLE");
        assertThat(body.at("/status/health/healthStatus").asText()).isEqualTo("HEALTHY");
        assertThat(body.at("/status/health/details/JibriManager/healthStatus").asText()).isEqualTo("HEALTHY");
        assertThat(body.has("environmentContext")).as("only while busy with an XMPP session").isFalse();
    }

    @Test
    void startServiceAnswersBadRequestsLikeJibri() throws Exception {
        String call = "\"callParams\":{\"callUrlInfo\":{\"baseUrl\":\"https://meet.example.com\",\"callName\":\"room\"}}";
        HttpResponse<String> noLogin = post(jibri("/startService"), "{\"sessionId\":\"a\"," + call + ",\"sinkType\":\"file\"}");
        assertThat(noLogin.statusCode()).isEqualTo(412);
        assertThat(noLogin.body()).contains("Call login params are required");

        HttpResponse<String> badSink = post(jibri("/startService"), "{\"sessionId\":\"a\"," + call
                + ",\"callLoginParams\":{\"domain\":\"r\",\"username\":\"u\",\"password\":\"p\"},\"sinkType\":\"tape\"}");
        assertThat(badSink.statusCode()).isEqualTo(412);
        assertThat(badSink.body()).contains("sinkType must be file, stream or gateway");

        HttpResponse<String> badUrl = post(jibri("/startService"), "{\"sessionId\":\"a\",\"callParams\":{\"callUrlInfo\":"
                + "{\"baseUrl\":\"file:///etc\",\"callName\":\"room\"}},\"callLoginParams\":{\"domain\":\"r\","
                + "\"username\":\"u\",\"password\":\"s3cret\"},\"sinkType\":\"file\"}");
        assertThat(badUrl.statusCode()).isEqualTo(412);
        assertThat(badUrl.body()).contains("baseUrl must be an http(s) address").doesNotContain("s3cret");

        HttpResponse<String> notJson = post(jibri("/startService"), "{\"sessionId\":");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).contains("not StartServiceParams JSON");
    }

    @Test
    void stopServiceWithNothingRunningIsFine() throws Exception {
        assertThat(post(jibri("/stopService"), "").statusCode()).isEqualTo(200);
    }

    @Test
    void eachPortServesOnlyItsOwnApi() throws Exception {
        assertThat(get(URI.create("http://127.0.0.1:" + mainPort + "/jibri/api/v1.0/health")).statusCode())
                .isEqualTo(404);
        assertThat(get(URI.create("http://127.0.0.1:" + jibriPort.localPort() + "/api/v1/node")).statusCode())
                .isEqualTo(404);
        assertThat(get(URI.create("http://127.0.0.1:" + mainPort + "/api/v1/node")).statusCode()).isEqualTo(200);
    }
}
