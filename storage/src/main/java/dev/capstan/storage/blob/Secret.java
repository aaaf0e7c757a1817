package dev.capstan.storage.blob;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Objects;

/**
 * A credential (an S3 secret key, an access key id) that never shows itself: {@link #toString()} is masked, so it
 * is safe in records, logs and exception messages. Only {@link #reveal()} gives the value, for the one place that
 * signs requests with it.
 */
public final class Secret {

    private static final String MASK = "****";

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /** Wraps {@code value}, which must not be null or empty. */
    public static Secret of(String value) {
        Objects.requireNonNull(value, "secret value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("a secret must not be empty");
        }
        return new Secret(value);
    }

    /** The value itself; never log it or put it in a message. */
    public String reveal() {
        return value;
    }

    /** Replaces every occurrence of this secret in {@code text} with a mask. */
    public String scrub(String text) {
        return text == null ? null : text.replace(value, MASK);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Secret that && MessageDigest.isEqual(
                value.getBytes(StandardCharsets.UTF_8), that.value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return MASK;
    }
}
