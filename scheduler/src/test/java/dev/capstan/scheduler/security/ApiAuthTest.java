package dev.capstan.scheduler.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.NestedTestConfiguration;

/**
 * The API with keys configured, over real HTTP: a key is needed everywhere but health and the demo page, it may come
 * in three ways, a missing and a wrong key get the same problem answer, and no key ever shows in a log or response.
 */
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "capstan.node.slots=1",
        "capstan.api.keys=" + ApiAuthTest.KEY + "," + ApiAuthTest.OTHER_KEY,
        // Loud logging, so that "the key is never logged" means something.
        "logging.level.org.springframework.security=TRACE",
        "logging.level.org.springframework.web=DEBUG",
        "logging.level.dev.capstan=DEBUG"})
class ApiAuthTest {

    static final String KEY = "k3y-0f-the-0perat0r-5b1c0e9a";
    static final String OTHER_KEY = "second-key-77d2f4";
    /** Shares a long prefix with {@link #KEY}: a wrong key, not merely a short one. */
    static final String WRONG_KEY = "k3y-0f-the-0perat0r-5b1c0e9b";

    private static final HttpClient client = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private static final ObjectMapper json = new ObjectMapper();
    /** Every response this class saw, to check that no key ever came back. */
    private static final List<String> responses = new ArrayList<>();

    @LocalServerPort
    int port;

    static HttpResponse<String> get(int port, String path, UnaryOperator<HttpRequest.Builder> headers)
            throws IOException, InterruptedException {
        HttpRequest request = headers.apply(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)))
                .GET().build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        synchronized (responses) {
            responses.add(response.headers().map() + "\n" + response.body());
        }
        return response;
    }

    private HttpResponse<String> get(String path, UnaryOperator<HttpRequest.Builder> headers) throws Exception {
        return get(port, path, headers);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return get(path, request -> request);
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static void assertUnauthorizedProblem(HttpResponse<String> response, String path) throws Exception {
        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("Content-Type")).get().asString()
                .startsWith("application/problem+json");
        JsonNode problem = json.readTree(response.body());
        assertThat(problem.at("/title").asText()).isEqualTo("Unauthorized");
        assertThat(problem.at("/status").asInt()).isEqualTo(401);
        assertThat(problem.at("/detail").asText()).isEqualTo("an API key is required: send Authorization: Bearer <key>");
        assertThat(problem.at("/type").asText()).isEqualTo("about:blank");
        assertThat(problem.at("/instance").asText()).isEqualTo(path);
        assertThat(response.body()).doesNotContain("Exception", "trace", "\tat ", "springframework");
        assertThat(response.headers().allValues("Set-Cookie")).isEmpty();
    }

    @Test
    void withoutAKeyTheApiAnswers401AsAProblemWithABearerChallenge() throws Exception {
        HttpResponse<String> response = get("/api/v1/node");
        assertUnauthorizedProblem(response, "/api/v1/node");
        assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"capstan\"");
    }

    @Test
    void aWrongKeyGetsTheSameAnswerAsNoKey() throws Exception {
        String none = get("/api/v1/node").body();
        for (UnaryOperator<HttpRequest.Builder> wrong : List.<UnaryOperator<HttpRequest.Builder>>of(
                request -> request.header("Authorization", "Bearer " + WRONG_KEY),
                request -> request.header("X-Api-Key", WRONG_KEY),
                request -> request.header("Authorization", basic("operator", WRONG_KEY)),
                request -> request.header("Authorization", "Bearer " + KEY.substring(0, 10)),
                request -> request.header("Authorization", "Bearer " + KEY + " "+ KEY),
                request -> request.header("Authorization", basic(KEY, "")),
                request -> request.header("Authorization", "Basic !!not-base64!!"),
                request -> request.header("Authorization", "Digest " + KEY))) {
            HttpResponse<String> response = get("/api/v1/node", wrong);
            assertUnauthorizedProblem(response, "/api/v1/node");
            assertThat(response.headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"capstan\"");
            assertThat(response.body()).isEqualTo(none);
        }
    }

    @Test
    void aKeyIsAcceptedAsBearerAsXApiKeyAndAsBasicPasswordWithAnyUserName() throws Exception {
        assertThat(get("/api/v1/node", request -> request.header("Authorization", "Bearer " + KEY)).statusCode())
                .isEqualTo(200);
        assertThat(get("/api/v1/node", request -> request.header("authorization", "bearer " + OTHER_KEY)).statusCode())
                .isEqualTo(200);
        HttpResponse<String> viaHeader = get("/api/v1/node", request -> request.header("X-Api-Key", KEY));
        assertThat(viaHeader.statusCode()).isEqualTo(200);
        assertThat(json.readTree(viaHeader.body()).at("/slots").isArray()).isTrue();
        assertThat(get("/api/v1/node", request -> request.header("Authorization", basic("anyone", KEY))).statusCode())
                .isEqualTo(200);
        assertThat(get("/api/v1/node", request -> request.header("Authorization", basic("", OTHER_KEY))).statusCode())
                .isEqualTo(200);
        assertThat(get("/api/v1/node", request -> request.header("Authorization", basic("a", "b:" + KEY)))
                .statusCode()).isEqualTo(401);
    }

    @Test
    void anAuthenticatedRequestForNothingIsA404NotA401() throws Exception {
        assertThat(get("/api/v1/no-such-thing", request -> request.header("X-Api-Key", KEY)).statusCode())
                .isEqualTo(404);
        assertThat(get("/api/v1/no-such-thing").statusCode()).isEqualTo(401);
    }

    @Test
    void healthAndTheDemoPageAreOpenButOtherActuatorEndpointsAreNot() throws Exception {
        HttpResponse<String> health = get("/actuator/health");
        assertThat(health.statusCode()).isIn(200, 503);
        assertThat(json.readTree(health.body()).at("/status").asText()).isNotEmpty();
        assertThat(get("/actuator/health/node").statusCode()).isIn(200, 503);
        assertThat(get("/actuator/health", request -> request.header("Authorization", "Bearer " + WRONG_KEY))
                .statusCode()).isIn(200, 503);
        HttpResponse<String> demo = get("/demo");
        assertThat(demo.statusCode()).isEqualTo(200);
        assertThat(demo.body()).contains("Capstan demo meeting");

        assertUnauthorizedProblem(get("/actuator/metrics"), "/actuator/metrics");
        assertUnauthorizedProblem(get("/actuator/info"), "/actuator/info");
        assertThat(get("/actuator/metrics", request -> request.header("X-Api-Key", KEY)).statusCode()).isEqualTo(200);
    }

    @Test
    void aBrowserIsChallengedWithBasicSoThatItAsksForTheKey() throws Exception {
        String navigation = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
                + "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7";
        HttpResponse<String> page = get("/recordings/", request -> request.header("Accept", navigation));
        assertUnauthorizedProblem(page, "/recordings/");
        assertThat(page.headers().allValues("WWW-Authenticate")).containsExactly("Basic realm=\"capstan\"");
        // The page's own requests (fetch, <video>, <img>): the browser answers a Basic challenge from its memory.
        HttpResponse<String> video = get("/api/v1/node", request -> request.header("Accept", "*/*")
                .header("Sec-Fetch-Site", "same-origin").header("Sec-Fetch-Dest", "video"));
        assertThat(video.headers().allValues("WWW-Authenticate")).containsExactly("Basic realm=\"capstan\"");
        assertThat(get("/api/v1/node", request -> request.header("Accept", "application/json, text/html;q=0.5"))
                .headers().allValues("WWW-Authenticate")).containsExactly("Bearer realm=\"capstan\"");
    }

    @Test
    void theRecordingsPageIsServedWithAKey() throws Exception {
        HttpResponse<String> redirect = get("/recordings", request -> request.header("X-Api-Key", KEY));
        assertThat(redirect.statusCode()).isEqualTo(302);
        assertThat(redirect.headers().firstValue("Location")).get().asString().endsWith("/recordings/");
        HttpResponse<String> page = get("/recordings/", request -> request.header("Authorization", basic("me", KEY)));
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<video", "id=\"player\"");
        assertThat(get("/recordings/recordings.js", request -> request.header("X-Api-Key", KEY)).statusCode())
                .isEqualTo(200);
        assertThat(get("/recordings/recordings.js").statusCode()).isEqualTo(401);
    }

    /** Speaker tracks are the API's like the media: a key, or the Basic credentials a page's audio player sends. */
    @Test
    void speakerTracksNeedAKeyAndTheirPlayersMayUseBasicCredentials() throws Exception {
        for (String path : List.of("/api/v1/recordings/x/tracks", "/api/v1/recordings/x/timeline",
                "/api/v1/recordings/x/tracks/s1/1")) {
            assertUnauthorizedProblem(get(path), path);
            assertThat(get(path, request -> request.header("Authorization", basic("me", KEY))).statusCode())
                    .as("authenticated: the unknown recording is a 404").isEqualTo(404);
        }
    }

    /** A browser sends remembered Basic credentials with another site's requests too: only reads may use them. */
    @Test
    void basicCredentialsDoNotLetAnotherSiteChangeAnything() throws Exception {
        assertThat(delete("/api/v1/recordings/x", basic("me", KEY), "cross-site").statusCode()).isEqualTo(401);
        assertThat(delete("/api/v1/recordings/x", basic("me", KEY), "same-origin").statusCode())
                .as("authenticated: the unknown recording is a 404").isEqualTo(404);
        assertThat(get("/api/v1/recordings/x/media", request -> request.header("Authorization", basic("me", KEY))
                .header("Sec-Fetch-Site", "cross-site")).statusCode()).isEqualTo(404);
        assertThat(delete("/api/v1/recordings/x", "Bearer " + KEY, "cross-site").statusCode()).isEqualTo(404);
    }

    private HttpResponse<String> delete(String path, String authorization, String fetchSite) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", authorization).header("Sec-Fetch-Site", fetchSite).DELETE().build();
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        synchronized (responses) {
            responses.add(response.headers().map() + "\n" + response.body());
        }
        return response;
    }

    @Test
    void noKeyEverAppearsInTheLogOrInAResponse(CapturedOutput output) throws Exception {
        get("/api/v1/node", request -> request.header("Authorization", "Bearer " + KEY));
        get("/api/v1/node", request -> request.header("X-Api-Key", OTHER_KEY));
        get("/api/v1/node", request -> request.header("Authorization", basic("someone", KEY)));
        get("/api/v1/node", request -> request.header("Authorization", "Bearer " + WRONG_KEY));
        get("/api/v1/node?verbose", request -> request.header("X-Api-Key", WRONG_KEY));
        get("/actuator/health", request -> request.header("X-Api-Key", KEY));
        // The log is loud enough to have seen the requests, and quiet about their keys.
        assertThat(output.getAll()).contains("/api/v1/node");
        for (String secret : List.of(KEY, OTHER_KEY, WRONG_KEY,
                Base64.getEncoder().encodeToString(("someone:" + KEY).getBytes(StandardCharsets.UTF_8)))) {
            assertThat(output.getAll()).doesNotContain(secret);
            synchronized (responses) {
                assertThat(responses).noneMatch(response -> response.contains(secret));
            }
        }
        assertThat(output.getAll()).doesNotContain("Using generated security password");
    }

    @Test
    void anOpenApiBeyondLoopbackIsWarnedAbout() throws Exception {
        assertThat(ApiSecurityConfiguration.exposureWarning(false, Optional.of(InetAddress.getByName("127.0.0.1"))))
                .isEmpty();
        assertThat(ApiSecurityConfiguration.exposureWarning(false, Optional.of(InetAddress.getByName("::1"))))
                .isEmpty();
        assertThat(ApiSecurityConfiguration.exposureWarning(true, Optional.of(InetAddress.getByName("0.0.0.0"))))
                .isEmpty();
        assertThat(ApiSecurityConfiguration.exposureWarning(false, Optional.of(InetAddress.getByName("0.0.0.0"))))
                .get().asString().contains("0.0.0.0", "capstan.api.keys");
        assertThat(ApiSecurityConfiguration.exposureWarning(false, Optional.empty())).get().asString()
                .contains("every address");
        assertThat(new ApiProperties(List.of(KEY)).toString()).doesNotContain(KEY);
    }

    /** The zero-configuration default: no keys, everything open (the same context as the other scheduler tests). */
    @Nested
    @NestedTestConfiguration(NestedTestConfiguration.EnclosingConfiguration.OVERRIDE)
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "capstan.node.slots=1")
    class WithoutKeys {

        @LocalServerPort
        int port;

        @Autowired
        ApiProperties api;

        @Test
        void everyRequestPasses() throws Exception {
            assertThat(api.keysConfigured()).isFalse();
            assertThat(get(port, "/api/v1/node", request -> request).statusCode()).isEqualTo(200);
            assertThat(get(port, "/actuator/metrics", request -> request).statusCode()).isEqualTo(200);
            assertThat(get(port, "/recordings/", request -> request).statusCode()).isEqualTo(200);
            // A key sent anyway does no harm.
            assertThat(get(port, "/api/v1/node", request -> request.header("Authorization", "Bearer " + WRONG_KEY))
                    .statusCode()).isEqualTo(200);
        }
    }
}
