package dev.capstan.scheduler.events.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code Capstan-Signature} header: {@code t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>}
 * (Stripe's scheme). The timestamp is signed with the body, so a captured request cannot be replayed once it is
 * older than the receiver's tolerance, and the body cannot be changed without the secret.
 *
 * <p>Receivers in Java can use {@link #verify(String, String, byte[], Duration)} as it is; elsewhere it is a few
 * lines (README: "Webhooks").
 */
public final class WebhookSignature {

    public static final String HEADER = "Capstan-Signature";
    private static final String ALGORITHM = "HmacSHA256";

    private WebhookSignature() {
    }

    /** The header value for {@code body} sent at {@code at}. */
    public static String sign(String secret, Instant at, byte[] body) {
        long t = at.getEpochSecond();
        return "t=" + t + ",v1=" + HexFormat.of().formatHex(hmac(secret, t, body));
    }

    /**
     * Whether {@code header} is a valid signature of the raw {@code body} with {@code secret}, made no further than
     * {@code tolerance} from now (either way: a clock ahead is as suspect as a replay). Several {@code v1} entries are
     * allowed (any one may match); unknown entries are ignored. Never throws for a malformed header: it is just not
     * valid.
     */
    public static boolean verify(String secret, String header, byte[] body, Duration tolerance) {
        return verify(secret, header, body, tolerance, Clock.systemUTC());
    }

    /** {@link #verify(String, String, byte[], Duration)} for a body received as text (UTF-8). */
    public static boolean verify(String secret, String header, String body, Duration tolerance) {
        return verify(secret, header, body.getBytes(StandardCharsets.UTF_8), tolerance, Clock.systemUTC());
    }

    static boolean verify(String secret, String header, byte[] body, Duration tolerance, Clock clock) {
        if (secret == null || secret.isEmpty() || header == null || body == null) {
            return false;
        }
        Long t = null;
        List<byte[]> signatures = new ArrayList<>();
        for (String part : header.split(",")) {
            int equals = part.indexOf('=');
            if (equals < 0) {
                continue;
            }
            String key = part.substring(0, equals).trim();
            String value = part.substring(equals + 1).trim();
            try {
                if (key.equals("t")) {
                    t = Long.parseLong(value);
                } else if (key.equals("v1")) {
                    signatures.add(HexFormat.of().parseHex(value));
                }
            } catch (IllegalArgumentException malformed) {
                return false;
            }
        }
        if (t == null || signatures.isEmpty()) {
            return false;
        }
        long age = Math.abs(clock.instant().getEpochSecond() - t);
        if (age > tolerance.toSeconds()) {
            return false;
        }
        byte[] expected = hmac(secret, t, body);
        // Constant-time: how much of a guess matched must not show in the time taken.
        return signatures.stream().anyMatch(signature -> MessageDigest.isEqual(expected, signature));
    }

    private static byte[] hmac(String secret, long t, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
            mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            // Every JRE has HmacSHA256, and any non-empty key is valid for it.
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }
}
