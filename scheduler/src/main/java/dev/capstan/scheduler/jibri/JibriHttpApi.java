package dev.capstan.scheduler.jibri;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.capstan.recorder.browser.CallLogin;
import dev.capstan.recorder.node.BusyReason;
import dev.capstan.recorder.node.Node;
import dev.capstan.scheduler.session.StartRefusedException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Jibri's external HTTP API ({@code jibri:doc/http_api.md}), with Jibri's bodies and status codes, for the scripts
 * and tools written against it ({@code wait_graceful_shutdown.sh} polls {@code health}, for example). It answers
 * only on its own port ({@link JibriHttpPort}), which binds to loopback by default.
 */
@RestController
@ConditionalOnProperty(name = "capstan.jibri.http-api.enabled", havingValue = "true", matchIfMissing = true)
@RequestMapping(path = JibriHttpApi.PATH, produces = MediaType.APPLICATION_JSON_VALUE)
public class JibriHttpApi {

    public static final String PATH = "/jibri/api/v1.0";
    private static final Logger log = LoggerFactory.getLogger(JibriHttpApi.class);

    private final JibriService jibri;
    private final Node node;

    public JibriHttpApi(JibriService jibri, Node node) {
        this.jibri = jibri;
        this.node = node;
    }

    /** {@code JibriHealth}: null fields are left out, as Jibri's serializer does. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Health(Status status, EnvironmentContext environmentContext) {
    }

    public record Status(String busyStatus, HealthStatus health) {
    }

    public record HealthStatus(String healthStatus, Map<String, ComponentHealth> details) {
    }

    public record ComponentHealth(String healthStatus, String detail) {
    }

    public record EnvironmentContext(String name) {
    }

    /** Always 200: busy while any session runs here (so graceful-shutdown scripts wait for all of them). */
    @GetMapping("/health")
    public Health health() {
        Optional<String> unusable = node.status().busy()
                .filter(hold -> hold.reason() == BusyReason.UNAVAILABLE).map(hold -> hold.detail());
        String health = unusable.isPresent() ? "UNHEALTHY" : "HEALTHY";
        Map<String, ComponentHealth> details = Map.of("JibriManager",
                new ComponentHealth(health, unusable.orElse("")));
        return new Health(new Status(jibri.anySessionRunning() ? "BUSY" : "IDLE", new HealthStatus(health, details)),
                jibri.busyContext().map(EnvironmentContext::new).orElse(null));
    }

    /** {@code StartServiceParams}; fields Capstan does not use are accepted and ignored. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record StartServiceParams(String sessionId, CallParams callParams, CallLoginParams callLoginParams,
            String sinkType, String youTubeStreamKey) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CallParams(CallUrlInfo callUrlInfo, String email, String passcode, String displayName) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CallUrlInfo(String baseUrl, String callName) {
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CallLoginParams(String domain, String username, String password, Boolean randomizeUsername) {

        @Override
        public String toString() {
            return username + "@" + domain;
        }
    }

    /**
     * 200 with an empty body once a slot has taken the session (it goes on asynchronously, as in Jibri); on a full
     * node the request first waits in the queue, up to {@code capstan.node.queue-timeout}, then 412 busy.
     */
    @PostMapping(path = "/startService", consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<String> startService(@RequestBody StartServiceParams params) {
        String sinkType = params.sinkType() == null ? "" : params.sinkType().trim().toLowerCase(java.util.Locale.ROOT);
        if (!sinkType.equals("file") && !sinkType.equals("stream") && !sinkType.equals("gateway")) {
            return precondition("sinkType must be file, stream or gateway");
        }
        if (!sinkType.equals("file")) {
            return precondition("sinkType " + sinkType + " is not served by this node");
        }
        if (params.callLoginParams() == null) {
            return precondition("Call login params are required for file recording");
        }
        if (params.callParams() == null || params.callParams().callUrlInfo() == null
                || blank(params.callParams().callUrlInfo().baseUrl())
                || blank(params.callParams().callUrlInfo().callName())) {
            return precondition("callParams.callUrlInfo needs baseUrl and callName");
        }
        URI meeting;
        try {
            meeting = meetingOf(params.callParams().callUrlInfo());
        } catch (URISyntaxException e) {
            return precondition("callParams.callUrlInfo is not a meeting address: " + e.getMessage());
        }
        CallLoginParams login = params.callLoginParams();
        String sessionId = blank(params.sessionId()) ? "http-" + System.currentTimeMillis() : params.sessionId();
        try {
            jibri.startForHttp(sessionId, meeting, Optional.of(new CallLogin(login.domain(), login.username(),
                    login.password(), Boolean.TRUE.equals(login.randomizeUsername()))));
            return ResponseEntity.ok().build();
        } catch (StartRefusedException e) {
            if (e.refusal() == StartRefusedException.Cause.NO_ROOM) {
                log.info("jibri http: refusing session {}: {}", sessionId, e.getMessage());
                return precondition("Jibri is currently busy");
            }
            log.error("jibri http: session {} could not start: {}", sessionId, e.getMessage());
            return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).contentType(MediaType.TEXT_PLAIN)
                    .body(e.getMessage());
        } catch (RuntimeException e) {
            log.error("jibri http: session {} could not start: {}", sessionId, e.getMessage());
            return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR).contentType(MediaType.TEXT_PLAIN)
                    .body(e.getMessage());
        }
    }

    private static URI meetingOf(CallUrlInfo info) throws URISyntaxException {
        URI base = new URI(info.baseUrl().trim());
        if (base.getScheme() == null || !base.getScheme().matches("(?i)https?") || base.getRawAuthority() == null) {
            throw new URISyntaxException(info.baseUrl(), "baseUrl must be an http(s) address");
        }
        return MeetingAddress.below(base, info.callName().trim());
    }

    /** Always 200, after the sessions it started have stopped (Jibri's stop blocks too). */
    @PostMapping("/stopService")
    public ResponseEntity<Void> stopService() throws InterruptedException {
        try {
            jibri.stopHttpSessions().get();
        } catch (ExecutionException e) {
            log.warn("jibri http: stopping failed: {}", e.getCause().getMessage());
        }
        return ResponseEntity.ok().build();
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<String> unreadable(HttpMessageNotReadableException e) {
        return ResponseEntity.badRequest().contentType(MediaType.TEXT_PLAIN)
                .body("the body is not StartServiceParams JSON");
    }

    private static ResponseEntity<String> precondition(String message) {
        return ResponseEntity.status(HttpStatus.PRECONDITION_FAILED).contentType(MediaType.TEXT_PLAIN).body(message);
    }

    private static boolean blank(String text) {
        return text == null || text.isBlank();
    }
}
