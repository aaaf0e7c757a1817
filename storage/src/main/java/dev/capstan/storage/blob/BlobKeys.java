package dev.capstan.storage.blob;

/**
 * The rules every {@link BlobStore} applies to keys, so that a key valid for one store is valid for all: a relative
 * {@code a/b/c} path of at most {@value #MAX_LENGTH} characters, without empty, {@code .} or {@code ..} segments,
 * backslashes or control characters. The first segment {@code .multipart} and segments beginning with
 * {@value #TEMP_MARK} are reserved for a local store's own files. Multipart writes take S3's part numbers,
 * 1..{@value #MAX_PARTS}, in every store.
 */
final class BlobKeys {

    static final int MAX_LENGTH = 1024;
    static final int MAX_PARTS = 10_000;
    static final String MULTIPART_DIR = ".multipart";
    static final String TEMP_MARK = ".capstan-tmp-";

    private BlobKeys() {
    }

    /** Returns {@code key} if it is valid, else throws an {@link IllegalArgumentException} saying why. */
    static String check(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("blob key is empty");
        }
        if (key.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("blob key is longer than " + MAX_LENGTH + " characters: "
                    + quote(key.substring(0, 60)) + "…");
        }
        checkCharacters(key, "blob key");
        if (key.startsWith("/")) {
            throw new IllegalArgumentException("blob key must be relative, not absolute: " + quote(key));
        }
        String[] segments = key.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            checkSegment(key, segments[i], i == 0, "blob key");
        }
        return key;
    }

    /** Throws an {@link IllegalArgumentException} unless {@code number} and {@code length} can make a part. */
    static void checkPart(int number, long length) {
        if (number < 1 || number > MAX_PARTS) {
            throw new IllegalArgumentException("part number must be 1.." + MAX_PARTS + ", not " + number);
        }
        if (length < 0) {
            throw new IllegalArgumentException("negative part length " + length);
        }
    }

    /** Throws an {@link IllegalArgumentException} unless a multipart write can be completed from {@code parts}. */
    static void checkPartCount(int parts) {
        if (parts < 1 || parts > MAX_PARTS) {
            throw new IllegalArgumentException("part count must be 1.." + MAX_PARTS + ", not " + parts);
        }
    }

    /**
     * Returns {@code prefix} if it can begin valid keys: empty, or a relative path whose complete segments (those
     * followed by {@code /}) are valid; the last, partial segment is only a name filter.
     */
    static String checkPrefix(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("blob key prefix is null");
        }
        if (prefix.isEmpty()) {
            return prefix;
        }
        if (prefix.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("blob key prefix is longer than " + MAX_LENGTH + " characters");
        }
        checkCharacters(prefix, "blob key prefix");
        if (prefix.startsWith("/")) {
            throw new IllegalArgumentException("blob key prefix must be relative, not absolute: " + quote(prefix));
        }
        String[] segments = prefix.split("/", -1);
        for (int i = 0; i < segments.length - 1; i++) {
            checkSegment(prefix, segments[i], i == 0, "blob key prefix");
        }
        return prefix;
    }

    private static void checkCharacters(String key, String what) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\\') {
                throw new IllegalArgumentException(what + " must not contain a backslash: " + quote(key));
            }
            if (c == 0) {
                throw new IllegalArgumentException(what + " must not contain a NUL character: " + quote(key));
            }
            if (c < 0x20 || c == 0x7f) {
                throw new IllegalArgumentException(what + " must not contain control characters: " + quote(key));
            }
        }
    }

    private static void checkSegment(String key, String segment, boolean first, String what) {
        if (segment.isEmpty()) {
            throw new IllegalArgumentException(what + " has an empty segment (leading, trailing or double '/'): "
                    + quote(key));
        }
        if (segment.equals(".") || segment.equals("..")) {
            throw new IllegalArgumentException(what + " must not contain a '" + segment + "' segment: " + quote(key));
        }
        if (segment.startsWith(TEMP_MARK) || (first && segment.equals(MULTIPART_DIR))) {
            throw new IllegalArgumentException(what + " uses the reserved name '" + segment + "': " + quote(key));
        }
    }

    private static String quote(String key) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < key.length() && out.length() < 120; i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
