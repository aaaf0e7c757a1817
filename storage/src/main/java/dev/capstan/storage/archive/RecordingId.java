package dev.capstan.storage.archive;

import java.security.SecureRandom;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * A recording's identity. It names directories and objects, so it is restricted to characters that are safe in
 * any path or key: an id can never climb out of its directory.
 */
public record RecordingId(String value) implements Comparable<RecordingId> {

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss");
    private static final String ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    public RecordingId {
        if (value == null || !SAFE.matcher(value).matches()) {
            throw new IllegalArgumentException(
                    "invalid recording id: use 1-64 letters, digits, '-' or '_', starting with a letter or digit");
        }
    }

    public static RecordingId of(String value) {
        return new RecordingId(value);
    }

    /** A new id that sorts by creation time (UTC), with a random tail so that ids never collide. */
    public static RecordingId generate() {
        StringBuilder tail = new StringBuilder(6);
        for (int i = 0; i < 6; i++) {
            tail.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return new RecordingId(LocalDateTime.now(ZoneOffset.UTC).format(STAMP) + "-" + tail);
    }

    @Override
    public int compareTo(RecordingId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
