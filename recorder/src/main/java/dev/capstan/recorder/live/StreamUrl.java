package dev.capstan.recorder.live;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An RTMP or RTMPS address to stream to. The stream key (the last path segment, as in
 * {@code rtmp://a.rtmp.youtube.com/live2/<key>}), any query string and any user information are secrets: only
 * {@link #masked()} is ever shown, and {@link #toString()} is masked too.
 */
public final class StreamUrl {

    public static final int MAX_LENGTH = 2048;
    private static final String MASK = "****";

    private final String value;
    private final String host;
    private final boolean secure;
    private final String masked;
    private final List<String> secrets;

    private StreamUrl(String value, String host, boolean secure, String masked, List<String> secrets) {
        this.value = value;
        this.host = host;
        this.secure = secure;
        this.masked = masked;
        this.secrets = List.copyOf(secrets);
    }

    /** Reads an address; the messages of its errors never repeat the address itself. */
    public static StreamUrl parse(String text) throws InvalidStreamUrlException {
        if (text == null || text.isBlank()) {
            throw new InvalidStreamUrlException(InvalidStreamUrlException.Problem.MALFORMED, "no stream URL was given");
        }
        String value = text.strip();
        if (value.length() > MAX_LENGTH) {
            throw new InvalidStreamUrlException(InvalidStreamUrlException.Problem.MALFORMED,
                    "the stream URL is longer than " + MAX_LENGTH + " characters");
        }
        if (value.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new InvalidStreamUrlException(InvalidStreamUrlException.Problem.MALFORMED,
                    "the stream URL contains spaces or control characters");
        }
        URI uri;
        try {
            uri = new URI(value);
        } catch (URISyntaxException e) {
            // The exception's message quotes the input, key included.
            throw new InvalidStreamUrlException(InvalidStreamUrlException.Problem.MALFORMED,
                    "the stream URL is not a valid URL (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("rtmp") && !scheme.equals("rtmps")) {
            throw new InvalidStreamUrlException(InvalidStreamUrlException.Problem.SCHEME, scheme.isEmpty()
                    ? "the stream URL has no scheme; use rtmp:// or rtmps://"
                    : "the stream URL uses " + scheme + "://; only rtmp:// and rtmps:// can be streamed to");
        }
        if (uri.isOpaque() || uri.getHost() == null || uri.getHost().isBlank()) {
            throw new InvalidStreamUrlException(InvalidStreamUrlException.Problem.MALFORMED,
                    "the stream URL has no host (rtmp://host/app/key)");
        }
        List<String> segments = new ArrayList<>();
        for (String segment : (uri.getRawPath() == null ? "" : uri.getRawPath()).split("/")) {
            if (!segment.isEmpty()) {
                segments.add(segment);
            }
        }
        if (segments.isEmpty()) {
            throw new InvalidStreamUrlException(InvalidStreamUrlException.Problem.MALFORMED,
                    "the stream URL names no application and stream key (rtmp://host/app/key)");
        }
        List<String> secrets = new ArrayList<>();
        StringBuilder shown = new StringBuilder(scheme).append("://");
        if (uri.getRawUserInfo() != null) {
            secrets.add(uri.getRawUserInfo());
            shown.append(MASK).append('@');
        }
        shown.append(uri.getHost());
        if (uri.getPort() != -1) {
            shown.append(':').append(uri.getPort());
        }
        for (int i = 0; i < segments.size(); i++) {
            // An application alone (rtmp://host/app) has no key in its path to hide.
            boolean key = i == segments.size() - 1 && segments.size() > 1;
            shown.append('/').append(key ? MASK : segments.get(i));
            if (key) {
                secrets.add(segments.get(i));
            }
        }
        if (uri.getRawQuery() != null) {
            secrets.add(uri.getRawQuery());
            shown.append('?').append(MASK);
        }
        return new StreamUrl(value, uri.getHost(), scheme.equals("rtmps"), shown.toString(), secrets);
    }

    /** The address with its secrets replaced by {@code ****}: the only form that is logged or shown. */
    public String masked() {
        return masked;
    }

    /** The full address, key included: for the encoder's command line only. */
    public String reveal() {
        return value;
    }

    public String host() {
        return host;
    }

    /** RTMPS: RTMP over TLS. */
    public boolean secure() {
        return secure;
    }

    /** Masks this address's secrets wherever they appear in {@code text} (an encoder's error message, say). */
    public String redact(String text) {
        String result = text.replace(value, masked);
        for (String secret : secrets) {
            // Very short secrets would mask innocent words; the whole address is masked above anyway.
            if (secret.length() >= 4) {
                result = result.replace(secret, MASK);
            }
        }
        return result;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StreamUrl url && url.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }

    @Override
    public String toString() {
        return masked;
    }
}
