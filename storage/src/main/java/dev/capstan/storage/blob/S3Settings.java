package dev.capstan.storage.blob;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Where an {@link S3BlobStore} keeps objects and how it reaches them.
 *
 * @param endpoint    an S3-compatible server ({@code http://127.0.0.1:9000}); empty for AWS itself
 * @param region      the signing region ({@code us-east-1} if blank)
 * @param bucket      the bucket
 * @param prefix      prepended to every key; normalised to end with {@code /} unless empty, with no leading {@code /}
 * @param pathStyle   {@code http://host/bucket/key} instead of {@code http://bucket.host/key} (most non-AWS servers)
 * @param accessKey   with {@code secretKey}: static credentials; both empty: the AWS SDK's default credential chain
 *                    (environment, profile, container or instance role)
 * @param secretKey   see {@code accessKey}; shown nowhere (see {@link Secret})
 * @param timeouts    how long operations may take, so that an unreachable store fails in seconds
 */
public record S3Settings(
        Optional<URI> endpoint,
        String region,
        String bucket,
        String prefix,
        boolean pathStyle,
        Optional<Secret> accessKey,
        Optional<Secret> secretKey,
        Timeouts timeouts) {

    public static final String DEFAULT_REGION = "us-east-1";

    public S3Settings {
        endpoint = Objects.requireNonNullElse(endpoint, Optional.empty());
        endpoint.ifPresent(S3Settings::checkEndpoint);
        region = region == null || region.isBlank() ? DEFAULT_REGION : region.strip();
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("S3 bucket is not set");
        }
        bucket = bucket.strip();
        prefix = normalisePrefix(prefix);
        accessKey = Objects.requireNonNullElse(accessKey, Optional.empty());
        secretKey = Objects.requireNonNullElse(secretKey, Optional.empty());
        if (accessKey.isPresent() != secretKey.isPresent()) {
            throw new IllegalArgumentException("S3 access key and secret key must be set together (or neither, "
                    + "to use the default credential chain)");
        }
        timeouts = Objects.requireNonNullElse(timeouts, Timeouts.DEFAULT);
    }

    /** A bucket on an S3-compatible server at {@code endpoint}, path-style, with static credentials. */
    public static S3Settings of(URI endpoint, String bucket, String prefix, String accessKey, String secretKey) {
        return new S3Settings(Optional.of(endpoint), DEFAULT_REGION, bucket, prefix, true,
                Optional.of(Secret.of(accessKey)), Optional.of(Secret.of(secretKey)), Timeouts.DEFAULT);
    }

    public S3Settings withEndpoint(URI endpoint) {
        return new S3Settings(Optional.ofNullable(endpoint), region, bucket, prefix, pathStyle, accessKey, secretKey,
                timeouts);
    }

    /** Static credentials; both null: the default credential chain. */
    public S3Settings withCredentials(String accessKey, String secretKey) {
        return new S3Settings(endpoint, region, bucket, prefix, pathStyle,
                Optional.ofNullable(accessKey).map(Secret::of), Optional.ofNullable(secretKey).map(Secret::of),
                timeouts);
    }

    public S3Settings withTimeouts(Timeouts timeouts) {
        return new S3Settings(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, timeouts);
    }

    /** {@code s3://bucket/prefix (endpoint)}, for logs and status. No credentials. */
    public String describe() {
        return "s3://" + bucket + "/" + prefix + " ("
                + endpoint.map(URI::toString).orElse("AWS " + region) + ")";
    }

    @Override
    public String toString() {
        return "S3Settings[" + describe() + ", region=" + region + ", pathStyle=" + pathStyle + ", credentials="
                + (accessKey.isPresent() ? "static" : "default chain") + ", " + timeouts + "]";
    }

    /**
     * How long S3 operations may take.
     *
     * @param connect      to open a connection
     * @param attempt      one attempt of a call without a body to transfer (a retry follows a timeout); also the
     *                     longest silence while bytes are transferred
     * @param call         one call with all its retries
     * @param transferRate the slowest rate, in bytes per second, at which an upload or download is still
     *                     expected to finish: a transfer of {@code n} bytes may take {@code attempt + n / rate}
     *                     per attempt and {@code call + 3 n / rate} in all
     */
    public record Timeouts(Duration connect, Duration attempt, Duration call, long transferRate) {

        public static final Timeouts DEFAULT =
                new Timeouts(Duration.ofSeconds(2), Duration.ofSeconds(15), Duration.ofSeconds(60), 256 * 1024);

        public Timeouts {
            requirePositive(connect, "connect");
            requirePositive(attempt, "attempt");
            requirePositive(call, "call");
            if (transferRate <= 0) {
                throw new IllegalArgumentException("S3 transfer rate must be positive, not " + transferRate);
            }
        }

        private static void requirePositive(Duration d, String name) {
            if (d == null || d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException("S3 " + name + " timeout must be positive, not " + d);
            }
        }
    }

    private static void checkEndpoint(URI endpoint) {
        // Never echo the URI: it might carry a password.
        if (endpoint.getRawUserInfo() != null) {
            throw new IllegalArgumentException("S3 endpoint must not contain user info (credentials go in the "
                    + "access key and secret key settings)");
        }
        if (endpoint.getScheme() == null || endpoint.getHost() == null
                || !(endpoint.getScheme().equalsIgnoreCase("http") || endpoint.getScheme().equalsIgnoreCase("https"))) {
            throw new IllegalArgumentException("S3 endpoint must be an absolute http(s) URL with a host");
        }
        if (endpoint.getRawQuery() != null || endpoint.getRawFragment() != null) {
            throw new IllegalArgumentException("S3 endpoint must not have a query or fragment");
        }
    }

    private static String normalisePrefix(String prefix) {
        if (prefix == null) {
            return "";
        }
        String p = prefix.strip();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        if (p.isEmpty()) {
            return "";
        }
        if (p.contains("\\") || p.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("S3 prefix must not contain a backslash or NUL");
        }
        return p.endsWith("/") ? p : p + "/";
    }
}
