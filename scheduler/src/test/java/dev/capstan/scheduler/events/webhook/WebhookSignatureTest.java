package dev.capstan.scheduler.events.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The Capstan-Signature header against an HMAC computed independently, and what a receiver must refuse. */
class WebhookSignatureTest {

    private static final String SECRET = "whsec-0a1b2c3d4e5f";
    private static final String BODY = "{\"id\":\"e1\",\"type\":\"recording.ready\",\"recording\":{\"id\":\"r-1\"}}";
    private static final Duration TOLERANCE = Duration.ofMinutes(5);

    private static byte[] body() {
        return BODY.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theHeaderIsTheTimestampAndTheHmacOfTimestampDotBody() {
        Instant at = Instant.parse("2026-03-01T10:15:30Z");
        String header = WebhookSignature.sign(SECRET, at, body());

        String expected = WebhookDeliveryTest.hmacHex(SECRET, at.getEpochSecond() + "." + BODY);
        assertThat(header).isEqualTo("t=" + at.getEpochSecond() + ",v1=" + expected);
        assertThat(WebhookSignature.verify(SECRET, header, body(), TOLERANCE, Clock.fixed(at.plusSeconds(3),
                ZoneOffset.UTC))).isTrue();
    }

    @Test
    void aFreshSignatureVerifies() {
        String header = WebhookSignature.sign(SECRET, Instant.now(), body());
        assertThat(WebhookSignature.verify(SECRET, header, body(), TOLERANCE)).isTrue();
        assertThat(WebhookSignature.verify(SECRET, header, BODY, TOLERANCE)).isTrue();
    }

    @Test
    void aTamperedBodyOrAnotherSecretFails() {
        String header = WebhookSignature.sign(SECRET, Instant.now(), body());
        assertThat(WebhookSignature.verify(SECRET, header, BODY.replace("r-1", "r-2"), TOLERANCE)).isFalse();
        assertThat(WebhookSignature.verify(SECRET, header, BODY + " ", TOLERANCE)).isFalse();
        assertThat(WebhookSignature.verify("whsec-0a1b2c3d4e5e", header, BODY, TOLERANCE)).isFalse();
        assertThat(WebhookSignature.verify("", header, BODY, TOLERANCE)).isFalse();
    }

    @Test
    void anOldSignatureIsAReplayAndFailsAsDoesOneFromTheFuture() {
        Instant now = Instant.now();
        assertThat(WebhookSignature.verify(SECRET, WebhookSignature.sign(SECRET, now.minusSeconds(301), body()), BODY,
                TOLERANCE)).isFalse();
        assertThat(WebhookSignature.verify(SECRET, WebhookSignature.sign(SECRET, now.plusSeconds(600), body()), BODY,
                TOLERANCE)).isFalse();
        assertThat(WebhookSignature.verify(SECRET, WebhookSignature.sign(SECRET, now.minusSeconds(200), body()), BODY,
                TOLERANCE)).isTrue();
    }

    @Test
    void aChangedTimestampFailsEvenWithTheRightHmacOfAnother() {
        Instant now = Instant.now();
        String header = WebhookSignature.sign(SECRET, now.minusSeconds(10), body());
        String moved = header.replaceFirst("t=\\d+", "t=" + now.getEpochSecond());
        assertThat(WebhookSignature.verify(SECRET, moved, BODY, TOLERANCE)).isFalse();
    }

    @Test
    void malformedHeadersAreSimplyInvalid() {
        String good = WebhookSignature.sign(SECRET, Instant.now(), body());
        String v1 = good.substring(good.indexOf("v1="));
        for (String header : new String[] {null, "", "garbage", v1, good.substring(0, good.indexOf(',')),
                "t=abc," + v1, good.replace("v1=", "v1=zz"), good + "0"}) {
            assertThat(WebhookSignature.verify(SECRET, header, BODY, TOLERANCE)).as("%s", header).isFalse();
        }
    }

    @Test
    void anyOfSeveralV1EntriesMayMatchAndUnknownEntriesAreIgnored() {
        Instant now = Instant.now();
        String header = WebhookSignature.sign(SECRET, now, body());
        String other = WebhookSignature.sign("previous-secret", now, body());
        String both = header + "," + other.substring(other.indexOf("v1=")) + ",v0=abc";
        assertThat(WebhookSignature.verify(SECRET, both, BODY, TOLERANCE)).isTrue();
        assertThat(WebhookSignature.verify("previous-secret", both, BODY, TOLERANCE)).isTrue();
    }
}
