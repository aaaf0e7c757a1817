package dev.capstan.scheduler.archive;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code capstan.archive.*}: where recordings go and how long they stay. Zero configuration keeps them on local
 * disk under {@code ./recordings}.
 *
 * @param spool     local working directory: segments wait here until the store has them
 * @param store     {@code local} or {@code s3}
 * @param retention recordings older than this are deleted ({@code 0}: kept forever)
 * @param finalizeScript a Jibri-style finalize script (Jibri: {@code finalize-script}), run once a recording is ready
 * @param sharedCatalog  several nodes record into this catalog (one PostgreSQL for the fleet): at start-up, a
 *                       recording that is running in the catalog but has no files in this node's spool belongs to
 *                       another node and is left alone (the fleet salvages those of nodes that vanished). Alone
 *                       ({@code false}), such a recording was this node's and lost its local files: what reached
 *                       the store is salvaged
 */
@ConfigurationProperties("capstan.archive")
public record ArchiveProperties(
        @DefaultValue("spool") Path spool,
        @DefaultValue("local") StoreKind store,
        @DefaultValue Local local,
        @DefaultValue S3 s3,
        @DefaultValue Media media,
        @DefaultValue("0s") Duration retention,
        @DefaultValue Finalize finalizeScript,
        @DefaultValue("8MB") org.springframework.util.unit.DataSize partSize,
        @DefaultValue("false") boolean sharedCatalog) {

    public enum StoreKind { LOCAL, S3 }

    /** @param root where finished recordings are kept, one directory each */
    public record Local(@DefaultValue("recordings") Path root) {
    }

    /**
     * An S3 bucket on AWS or any S3-compatible store. Without keys, the AWS SDK's default credentials chain
     * (environment, profile, instance role) is used.
     *
     * @param endpoint     empty for AWS; {@code http://minio:9000} and the like otherwise
     * @param pathStyle    {@code true} for most S3-compatible stores
     * @param createBucket create the bucket at start-up if it is missing
     */
    public record S3(
            URI endpoint,
            @DefaultValue("us-east-1") String region,
            String bucket,
            @DefaultValue("") String prefix,
            @DefaultValue("false") boolean pathStyle,
            String accessKey,
            String secretKey,
            @DefaultValue("false") boolean createBucket) {

        @Override
        public String toString() {
            // Records print every component; the keys must never reach a log.
            return "S3[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket + ", prefix=" + prefix
                    + ", pathStyle=" + pathStyle + ", credentials=" + (accessKey == null ? "default chain" : "configured")
                    + "]";
        }
    }

    /**
     * @param presigned redirect media downloads to a presigned URL of the store (S3) instead of streaming them
     *                  through Capstan
     * @param presignedValidity how long such a URL works
     */
    public record Media(@DefaultValue("false") boolean presigned, @DefaultValue("15m") Duration presignedValidity) {
    }

    /**
     * @param command the program and its arguments; the recording's directory is appended as the last argument,
     *                as Jibri's {@code finalize-script} (empty: none)
     * @param timeout the command is killed after this long
     */
    public record Finalize(@DefaultValue List<String> command, @DefaultValue("10m") Duration timeout) {
    }
}
