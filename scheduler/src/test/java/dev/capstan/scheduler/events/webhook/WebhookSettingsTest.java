package dev.capstan.scheduler.events.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.scheduler.session.Session;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@code capstan.webhooks.*} as an operator writes it: defaults, and clear refusals of what cannot work. */
class WebhookSettingsTest {

    private static WebhookProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("capstan.webhooks", WebhookProperties.class);
    }

    private static Map<String, String> subscriber(String url, String secret) {
        Map<String, String> properties = new HashMap<>();
        properties.put("capstan.webhooks.subscribers[0].url", url);
        if (secret != null) {
            properties.put("capstan.webhooks.subscribers[0].secret", secret);
        }
        return properties;
    }

    private static String refusal(Map<String, String> properties) {
        try {
            bind(properties);
        } catch (BindException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            return cause.getMessage();
        }
        throw new AssertionError("accepted: " + properties);
    }

    @Test
    void withoutConfigurationNothingIsSentAndTheDefaultsAreGenerous() {
        WebhookProperties defaults = bind(Map.of());
        assertThat(defaults.enabled()).isFalse();
        assertThat(defaults.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(defaults.maxAttempts()).isEqualTo(8);
        assertThat(defaults.firstRetry()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.maxRetryDelay()).isEqualTo(Duration.ofMinutes(5));
        assertThat(defaults.queueSize()).isEqualTo(1000);
        assertThat(defaults.retention()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void aSubscriberGetsEveryEventUnlessItNamesSome() {
        Map<String, String> properties = subscriber("https://hooks.example.com/capstan", "s3cret-value-123");
        properties.put("capstan.webhooks.subscribers[1].url", "http://127.0.0.1:9000/in");
        properties.put("capstan.webhooks.subscribers[1].secret", "another-secret-456");
        properties.put("capstan.webhooks.subscribers[1].events", "recording.ready,recording.failed");
        WebhookProperties settings = bind(properties);

        assertThat(settings.enabled()).isTrue();
        assertThat(settings.subscribers().get(0).url()).isEqualTo(URI.create("https://hooks.example.com/capstan"));
        assertThat(settings.subscribers().get(0).wants(WebhookEvent.STARTED)).isTrue();
        assertThat(settings.subscribers().get(1).wants(WebhookEvent.STARTED)).isFalse();
        assertThat(settings.subscribers().get(1).wants(WebhookEvent.FAILED)).isTrue();
    }

    @Test
    void secretsNeverShowInTheSettingsTextAndAddressesLoseTheirTokens() {
        WebhookProperties settings = bind(
                subscriber("https://bot:pw@hooks.example.com/in?token=t0k3n", "s3cret-value-123"));
        assertThat(settings.toString()).doesNotContain("s3cret-value-123", "t0k3n", "pw")
                .contains("https://hooks.example.com/in");
    }

    @Test
    void whatCannotWorkIsRefusedSayingWhy() {
        assertThat(refusal(subscriber("https://hooks.example.com/in", null)))
                .contains("subscribers[0].secret is missing");
        assertThat(refusal(subscriber("ftp://hooks.example.com/in", "s3cret")))
                .contains("subscribers[0].url must be an http:// or https:// address");
        assertThat(refusal(subscriber("hooks.example.com/in", "s3cret"))).contains("must be an http:// or https://");
        Map<String, String> unknownEvent = subscriber("https://hooks.example.com/in", "s3cret");
        unknownEvent.put("capstan.webhooks.subscribers[0].events", "recording.done");
        assertThat(refusal(unknownEvent)).contains("unknown event 'recording.done'", "recording.ready");
        Map<String, String> twice = subscriber("https://hooks.example.com/in", "s3cret");
        twice.put("capstan.webhooks.subscribers[1].url", "https://hooks.example.com/in");
        twice.put("capstan.webhooks.subscribers[1].secret", "other");
        assertThat(refusal(twice)).contains("listed twice");
        Map<String, String> noAttempts = subscriber("https://hooks.example.com/in", "s3cret");
        noAttempts.put("capstan.webhooks.max-attempts", "0");
        assertThat(refusal(noAttempts)).contains("max-attempts must be at least 1");
        Map<String, String> noTimeout = subscriber("https://hooks.example.com/in", "s3cret");
        noTimeout.put("capstan.webhooks.timeout", "0s");
        assertThat(refusal(noTimeout)).contains("timeout must be longer than 0");
    }

    @Test
    void theMeetingLosesItsQueryFragmentAndUserInfo() {
        assertThat(Session.withoutSecrets("https://meet.example.com/team/standup?jwt=eyJ.x.y#config.a=1"))
                .isEqualTo("https://meet.example.com/team/standup");
        assertThat(Session.withoutSecrets("https://user:pw@meet.example.com:8443/room"))
                .isEqualTo("https://meet.example.com:8443/room");
        assertThat(Session.withoutSecrets("standup@conference.meet.example.com"))
                .isEqualTo("standup@conference.meet.example.com");
        assertThat(Session.withoutSecrets("https://meet.example.com/room"))
                .isEqualTo("https://meet.example.com/room");
    }
}
