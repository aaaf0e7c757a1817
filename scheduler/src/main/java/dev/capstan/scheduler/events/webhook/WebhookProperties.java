package dev.capstan.scheduler.events.webhook;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code capstan.webhooks.*}: who hears about recordings, and how hard Capstan tries to tell them. No subscriber (the
 * default): nothing runs.
 *
 * @param subscribers   the receivers, each with its own secret and the events it wants
 * @param timeout       how long one attempt may take, connection and answer (Jibri: 2 s)
 * @param maxAttempts   attempts per event and receiver before it is given up
 * @param firstRetry    wait before the second attempt; it doubles for each further one, up to {@code maxRetryDelay}
 * @param maxRetryDelay the longest wait between two attempts
 * @param queueSize     events that may wait in memory per receiver; beyond it the oldest waiting one is dropped
 * @param retention     delivered and given-up entries of the delivery log are deleted after this long
 */
@ConfigurationProperties("capstan.webhooks")
public record WebhookProperties(
        @DefaultValue List<Subscriber> subscribers,
        @DefaultValue("5s") Duration timeout,
        @DefaultValue("8") int maxAttempts,
        @DefaultValue("1s") Duration firstRetry,
        @DefaultValue("5m") Duration maxRetryDelay,
        @DefaultValue("1000") int queueSize,
        @DefaultValue("7d") Duration retention) {

    public WebhookProperties {
        subscribers = subscribers == null ? List.of() : List.copyOf(subscribers);
        Set<URI> seen = new HashSet<>();
        for (int i = 0; i < subscribers.size(); i++) {
            Subscriber subscriber = subscribers.get(i);
            String name = "capstan.webhooks.subscribers[" + i + "]";
            if (subscriber.url() == null) {
                throw new IllegalArgumentException(name + ".url is missing: where should the events go?");
            }
            String scheme = subscriber.url().getScheme() == null ? ""
                    : subscriber.url().getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || subscriber.url().getHost() == null) {
                throw new IllegalArgumentException(name + ".url must be an http:// or https:// address with a host,"
                        + " not " + Subscriber.shown(subscriber.url()));
            }
            if (subscriber.secret() == null || subscriber.secret().isBlank()) {
                throw new IllegalArgumentException(name + ".secret is missing: every subscriber needs its own secret,"
                        + " with which it checks the Capstan-Signature of what it receives");
            }
            if (!seen.add(subscriber.url())) {
                throw new IllegalArgumentException(name + ".url " + Subscriber.shown(subscriber.url())
                        + " is listed twice; give each receiver one entry (with the events it wants)");
            }
            for (String event : subscriber.events()) {
                if (WebhookEvent.named(event).isEmpty()) {
                    throw new IllegalArgumentException(name + ".events: unknown event '" + event + "'; the events are "
                            + WebhookEvent.names());
                }
            }
        }
        positive("timeout", timeout);
        positive("first-retry", firstRetry);
        positive("max-retry-delay", maxRetryDelay);
        positive("retention", retention);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("capstan.webhooks.max-attempts must be at least 1, not " + maxAttempts);
        }
        if (queueSize < 1) {
            throw new IllegalArgumentException("capstan.webhooks.queue-size must be at least 1, not " + queueSize);
        }
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("capstan.webhooks." + name + " must be longer than 0, not " + value);
        }
    }

    public boolean enabled() {
        return !subscribers.isEmpty();
    }

    /**
     * One receiver.
     *
     * @param url    where events are POSTed
     * @param secret the key of its signatures (HMAC-SHA256); never logged or shown
     * @param events the event types it wants ({@code recording.started}, …); empty: all of them
     */
    public record Subscriber(URI url, String secret, @DefaultValue List<String> events) {

        public Subscriber {
            events = events == null ? List.of() : List.copyOf(events);
        }

        public boolean wants(WebhookEvent event) {
            return events.isEmpty() || events.contains(event.wireName());
        }

        /** The address as logs and the API show it: without user info, query or fragment, which may hold tokens. */
        public String shownUrl() {
            return shown(url);
        }

        static String shown(URI url) {
            if (url == null) {
                return "null";
            }
            if (url.getHost() == null) {
                return url.getScheme() == null ? "(an address without a scheme)" : url.getScheme() + ":…";
            }
            return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort())
                    + (url.getRawPath() == null ? "" : url.getRawPath());
        }

        /** Never the secret: this record may end up in a log or an error message. */
        @Override
        public String toString() {
            return "Subscriber[url=" + shownUrl() + ", events=" + (events.isEmpty() ? "all" : events) + "]";
        }
    }

    /** Subscribers are shown masked (see {@link Subscriber#toString()}). */
    @Override
    public String toString() {
        return "WebhookProperties[subscribers=" + new ArrayList<>(subscribers) + ", timeout=" + timeout
                + ", maxAttempts=" + maxAttempts + ", firstRetry=" + firstRetry + ", maxRetryDelay=" + maxRetryDelay
                + ", queueSize=" + queueSize + ", retention=" + retention + "]";
    }
}
