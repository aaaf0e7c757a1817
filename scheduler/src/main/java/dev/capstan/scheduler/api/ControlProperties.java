package dev.capstan.scheduler.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code capstan.control.*}: the REST control API ({@code POST /api/v1/recordings} and what follows a recording).
 *
 * @param meetingBaseUrl     the Jitsi Meet site that room JIDs ({@code room@conference.meet.example.com}) are
 *                           recorded at when no Jibri environment has the room's XMPP domain, e.g.
 *                           {@code https://meet.example.com}; unset: a room JID needs such an environment
 * @param maxEventStreams    open {@code /events} streams at once, all recordings together; more are refused (503)
 * @param eventStreamTimeout an {@code /events} stream closes after this long (clients reconnect, as EventSource does)
 * @param eventInterval      how often a running recording's status is sent on its event streams
 * @param idempotencyWait    how long a repeated start waits for the first one with the same key to start
 */
@ConfigurationProperties("capstan.control")
public record ControlProperties(
        Optional<String> meetingBaseUrl,
        @DefaultValue("100") int maxEventStreams,
        @DefaultValue("30m") Duration eventStreamTimeout,
        @DefaultValue("1s") Duration eventInterval,
        @DefaultValue("10s") Duration idempotencyWait) {

    public ControlProperties {
        meetingBaseUrl = meetingBaseUrl == null ? Optional.empty() : meetingBaseUrl.filter(url -> !url.isBlank());
        meetingBaseUrl.ifPresent(ControlProperties::site);
        if (maxEventStreams < 1) {
            throw new IllegalArgumentException("capstan.control.max-event-streams must be at least 1");
        }
        if (eventStreamTimeout.isNegative() || eventStreamTimeout.isZero()) {
            throw new IllegalArgumentException("capstan.control.event-stream-timeout must be positive");
        }
        if (eventInterval.compareTo(Duration.ofMillis(100)) < 0) {
            throw new IllegalArgumentException("capstan.control.event-interval must be at least 100ms");
        }
        if (idempotencyWait.isNegative()) {
            throw new IllegalArgumentException("capstan.control.idempotency-wait must not be negative");
        }
    }

    /** The meeting base URL, checked at start-up. */
    Optional<URI> meetingSite() {
        return meetingBaseUrl.map(ControlProperties::site);
    }

    private static URI site(String text) {
        URI uri;
        try {
            uri = new URI(text.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("capstan.control.meeting-base-url is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("capstan.control.meeting-base-url must be an http(s):// address with "
                    + "a host, such as https://meet.example.com");
        }
        return uri;
    }
}
