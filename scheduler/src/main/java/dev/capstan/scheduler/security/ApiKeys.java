package dev.capstan.scheduler.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.OptionalInt;

/**
 * The configured API keys, held only as SHA-256 digests. A presented key is digested and compared with every
 * configured digest in constant time, so neither the time taken nor an early exit tells which bytes or which key
 * matched.
 */
final class ApiKeys {

    private final List<byte[]> digests;

    ApiKeys(List<String> keys) {
        this.digests = keys.stream().map(ApiKeys::sha256).toList();
    }

    /** The index of the configured key equal to {@code presented}, or empty when none is. */
    OptionalInt match(String presented) {
        byte[] digest = sha256(presented);
        int match = -1;
        for (int i = 0; i < digests.size(); i++) {
            if (MessageDigest.isEqual(digests.get(i), digest) & match < 0) {
                match = i;
            }
        }
        return match < 0 ? OptionalInt.empty() : OptionalInt.of(match);
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return "ApiKeys[" + digests.size() + "]";
    }
}
