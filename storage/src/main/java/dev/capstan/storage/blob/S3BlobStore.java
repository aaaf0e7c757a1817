package dev.capstan.storage.blob;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.LegacyMd5Plugin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.CompletedMultipartUpload;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateBucketConfiguration;
import software.amazon.awssdk.services.s3.model.CreateBucketRequest;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListPartsRequest;
import software.amazon.awssdk.services.s3.model.ListPartsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.NoSuchUploadException;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.Part;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.GetObjectPresignRequest;

/**
 * A store in an S3 bucket (AWS or an S3-compatible server) under a key prefix.
 *
 * <p>Calls are bounded ({@link S3Settings.Timeouts}): an unreachable endpoint fails within seconds with a
 * {@link BlobStoreException} that names the operation, the key and the store. Uploads and downloads get time in
 * proportion to their size. Credentials appear in no message, log or {@code toString}.
 *
 * <p>Requests carry checksums only where S3 requires them (as MD5), the protocol every S3-compatible server speaks;
 * transport integrity comes from TLS.
 */
public final class S3BlobStore implements BlobStore {

    private static final Logger log = LoggerFactory.getLogger(S3BlobStore.class);
    private static final long MINIMUM_PART_SIZE = 5L * 1024 * 1024;
    private static final Duration MAX_PRESIGN = Duration.ofDays(7);

    private final S3Settings settings;
    private final S3Client client;
    private final S3Presigner presigner;
    private final String bucket;
    private final String prefix;
    private final String description;
    private final List<Secret> secrets;

    private S3BlobStore(S3Settings settings, S3Client client, S3Presigner presigner) {
        this.settings = settings;
        this.client = client;
        this.presigner = presigner;
        this.bucket = settings.bucket();
        this.prefix = settings.prefix();
        this.description = settings.describe();
        List<Secret> known = new ArrayList<>();
        settings.accessKey().ifPresent(known::add);
        settings.secretKey().ifPresent(known::add);
        this.secrets = List.copyOf(known);
    }

    /** A store for {@code settings}. Nothing is contacted until the first operation. */
    public static S3BlobStore create(S3Settings settings) {
        S3Settings.Timeouts timeouts = settings.timeouts();
        AwsCredentialsProvider credentials = settings.accessKey().isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        settings.accessKey().get().reveal(), settings.secretKey().orElseThrow().reveal()))
                : DefaultCredentialsProvider.builder().build();
        Region region = Region.of(settings.region());

        var builder = S3Client.builder()
                .region(region)
                .credentialsProvider(credentials)
                .forcePathStyle(settings.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .addPlugin(LegacyMd5Plugin.create())
                .httpClientBuilder(Apache5HttpClient.builder()
                        .connectionTimeout(timeouts.connect())
                        .connectionAcquisitionTimeout(timeouts.attempt())
                        .socketTimeout(timeouts.attempt())
                        .maxConnections(32))
                .overrideConfiguration(o -> o
                        .apiCallAttemptTimeout(timeouts.attempt())
                        .apiCallTimeout(timeouts.call())
                        .retryStrategy(AwsRetryStrategy.standardRetryStrategy()));
        settings.endpoint().ifPresent(builder::endpointOverride);
        S3Client client = builder.build();

        var presignerBuilder = S3Presigner.builder()
                .region(region)
                .credentialsProvider(credentials)
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(settings.pathStyle()).build());
        settings.endpoint().ifPresent(presignerBuilder::endpointOverride);
        S3Presigner presigner;
        try {
            presigner = presignerBuilder.build();
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        S3BlobStore store = new S3BlobStore(settings, client, presigner);
        log.info("S3 store {}", store.describe());
        return store;
    }

    /** Creates the bucket if it does not exist. */
    public void ensureBucket() throws BlobStoreException {
        try {
            client.headBucket(b -> b.bucket(bucket));
            return;
        } catch (NoSuchBucketException e) {
            // create it below
        } catch (S3Exception e) {
            if (e.statusCode() != 404) {
                throw failure("check bucket", bucket, e);
            }
        } catch (SdkException e) {
            throw failure("check bucket", bucket, e);
        }
        try {
            CreateBucketRequest.Builder request = CreateBucketRequest.builder().bucket(bucket);
            if (!settings.region().equals(S3Settings.DEFAULT_REGION)) {
                request.createBucketConfiguration(
                        CreateBucketConfiguration.builder().locationConstraint(settings.region()).build());
            }
            client.createBucket(request.build());
            log.info("Created bucket {} for {}", bucket, describe());
        } catch (BucketAlreadyOwnedByYouException e) {
            // created concurrently
        } catch (SdkException e) {
            throw failure("create bucket", bucket, e);
        }
    }

    @Override
    public void put(String key, Path file, String contentType) throws BlobStoreException {
        String name = fullKey(key);
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new BlobStoreException("put " + key + " in " + describe() + ": cannot read " + file + ": " + e, e);
        }
        call("put", key, () -> client.putObject(b -> b.bucket(bucket).key(name).contentType(contentType)
                        .contentLength(size).overrideConfiguration(transfer(size)),
                RequestBody.fromFile(file)));
    }

    @Override
    public void put(String key, byte[] content, String contentType) throws BlobStoreException {
        String name = fullKey(key);
        call("put", key, () -> client.putObject(b -> b.bucket(bucket).key(name).contentType(contentType)
                        .contentLength((long) content.length).overrideConfiguration(transfer(content.length)),
                RequestBody.fromBytes(content)));
    }

    @Override
    public Optional<BlobInfo> stat(String key) throws BlobStoreException {
        String name = fullKey(key);
        try {
            HeadObjectResponse head = client.headObject(b -> b.bucket(bucket).key(name));
            return Optional.of(new BlobInfo(key, head.contentLength(), head.lastModified()));
        } catch (SdkException e) {
            if (absent(e)) {
                return Optional.empty();
            }
            throw failure("stat", key, e);
        }
    }

    @Override
    public InputStream read(String key, long offset, long length) throws BlobStoreException {
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset);
        }
        String name = fullKey(key);
        if (length == 0) {
            stat(key).orElseThrow(() -> new NoSuchBlobException(key));
            return new ByteArrayInputStream(new byte[0]);
        }
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(bucket).key(name);
        if (offset > 0 || length > 0) {
            boolean toEnd = length < 0 || length > Long.MAX_VALUE - offset;
            request.range("bytes=" + offset + "-" + (toEnd ? "" : Long.toString(offset + length - 1)));
        }
        try {
            ResponseInputStream<GetObjectResponse> in = client.getObject(request.build());
            return in;
        } catch (NoSuchKeyException e) {
            throw new NoSuchBlobException(key);
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && errorCode(e) == null) {
                // S3 says NoSuchKey; a bare 404 comes from something else (a proxy, a web server).
                throw new BlobStoreException("read " + key + " in " + describe() + ": HTTP 404 without an S3 error;"
                        + " is the endpoint an S3 server?");
            }
            if (e.statusCode() == 416) {
                return new ByteArrayInputStream(new byte[0]); // the range starts at or after the end
            }
            throw failure("read", key, e);
        } catch (SdkException e) {
            throw failure("read", key, e);
        }
    }

    @Override
    public List<BlobInfo> list(String keyPrefix) throws BlobStoreException {
        BlobKeys.checkPrefix(keyPrefix);
        String full = prefix + keyPrefix;
        return call("list", keyPrefix.isEmpty() ? "(all)" : keyPrefix + "*", () -> {
            List<BlobInfo> found = new ArrayList<>();
            for (S3Object object : client.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(full)).contents()) {
                String key = object.key().substring(prefix.length());
                found.add(new BlobInfo(key, object.size(), object.lastModified()));
            }
            return found;
        });
    }

    @Override
    public void delete(String key) throws BlobStoreException {
        String name = fullKey(key);
        try {
            client.deleteObject(b -> b.bucket(bucket).key(name));
        } catch (SdkException e) {
            if (!absent(e)) {
                throw failure("delete", key, e);
            }
        }
    }

    @Override
    public void deleteAll(String keyPrefix) throws BlobStoreException {
        List<BlobInfo> objects = list(keyPrefix);
        String what = keyPrefix.isEmpty() ? "(all)" : keyPrefix + "*";
        for (int from = 0; from < objects.size(); from += 1000) {
            List<ObjectIdentifier> batch = objects.subList(from, Math.min(objects.size(), from + 1000)).stream()
                    .map(o -> ObjectIdentifier.builder().key(prefix + o.key()).build())
                    .toList();
            DeleteObjectsResponse response = call("delete all of", what, () -> client.deleteObjects(b -> b
                    .bucket(bucket).delete(Delete.builder().objects(batch).quiet(true).build())));
            if (response.hasErrors() && !response.errors().isEmpty()) {
                var first = response.errors().get(0);
                throw new BlobStoreException("delete all of " + what + " in " + describe() + ": "
                        + response.errors().size() + " objects not deleted, first "
                        + first.key().substring(Math.min(prefix.length(), first.key().length())) + ": "
                        + scrub(first.code() + " " + first.message()));
            }
        }
    }

    @Override
    public Optional<URI> presignedGet(String key, Duration validity, String downloadName)
            throws BlobStoreException {
        String name = fullKey(key);
        if (validity == null || validity.isNegative() || validity.isZero() || validity.compareTo(MAX_PRESIGN) > 0) {
            throw new IllegalArgumentException("presigned URL validity must be more than 0 and at most 7 days, not "
                    + validity);
        }
        GetObjectRequest.Builder request = GetObjectRequest.builder().bucket(bucket).key(name);
        if (downloadName != null && !downloadName.isBlank()) {
            request.responseContentDisposition(contentDisposition(downloadName));
        }
        GetObjectPresignRequest presign = GetObjectPresignRequest.builder()
                .signatureDuration(validity)
                .getObjectRequest(request.build())
                .build();
        return Optional.of(call("presign", key, () -> {
            try {
                return presigner.presignGetObject(presign).url().toURI();
            } catch (URISyntaxException e) {
                throw new IllegalStateException("presigned URL is not a URI", e);
            }
        }));
    }

    @Override
    public MultipartWrite startMultipart(String key, String contentType) throws BlobStoreException {
        String name = fullKey(key);
        String uploadId = call("start multipart write of", key, () -> client.createMultipartUpload(b -> b
                .bucket(bucket).key(name).contentType(contentType)).uploadId());
        return new S3MultipartWrite(key, uploadId, Map.of());
    }

    @Override
    public Optional<MultipartWrite> resumeMultipart(String key, String uploadId) throws BlobStoreException {
        fullKey(key);
        if (uploadId == null || uploadId.isBlank()) {
            return Optional.empty();
        }
        try {
            if (!uploadListed(key, uploadId)) {
                return Optional.empty();
            }
            return Optional.of(new S3MultipartWrite(key, uploadId, listParts(key, uploadId)));
        } catch (SdkException e) {
            if (absent(e)) {
                return Optional.empty();
            }
            throw failure("resume multipart write of", key, e);
        }
    }

    /** 5 MiB: S3's smallest part but the last. */
    @Override
    public long minimumPartSize() {
        return MINIMUM_PART_SIZE;
    }

    /** {@code s3://bucket/prefix (endpoint)}. */
    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        try {
            presigner.close();
        } finally {
            client.close();
        }
    }

    @Override
    public String toString() {
        return "S3BlobStore[" + describe() + "]";
    }

    // ---------------------------------------------------------------------------------------------------------

    private final class S3MultipartWrite implements MultipartWrite {

        private final String key;
        private final String name;
        private final String uploadId;
        /** Part number to ETag: parts uploaded by this object, and those the store listed on resume. */
        private final Map<Integer, String> etags = new ConcurrentHashMap<>();

        S3MultipartWrite(String key, String uploadId, Map<Integer, String> known) {
            this.key = key;
            this.name = fullKey(key);
            this.uploadId = uploadId;
            this.etags.putAll(known);
        }

        @Override
        public String uploadId() {
            return uploadId;
        }

        @Override
        public String key() {
            return key;
        }

        @Override
        public void putPart(int number, Content content, long length) throws BlobStoreException {
            BlobKeys.checkPart(number, length);
            ContentStreamProvider provider = () -> {
                try {
                    return content.open();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
            String etag = call("put part " + number + " of", key, () -> client.uploadPart(b -> b
                            .bucket(bucket).key(name).uploadId(uploadId).partNumber(number).contentLength(length)
                            .overrideConfiguration(transfer(length)),
                    RequestBody.fromContentProvider(provider, length, "application/octet-stream")).eTag());
            etags.put(number, etag);
        }

        @Override
        public void complete(int parts) throws BlobStoreException {
            BlobKeys.checkPartCount(parts);
            boolean missing = false;
            for (int i = 1; i <= parts && !missing; i++) {
                missing = !etags.containsKey(i);
            }
            if (missing) {
                // Uploaded by an earlier process after this write was resumed, or listed too early: ask the store.
                Map<Integer, String> listed = call("list parts of", key, () -> listParts(key, uploadId));
                listed.forEach(etags::putIfAbsent);
            }
            List<CompletedPart> completed = new ArrayList<>(parts);
            for (int i = 1; i <= parts; i++) {
                String etag = etags.get(i);
                if (etag == null) {
                    throw new BlobStoreException("complete " + key + " in " + describe() + ": part " + i + " of "
                            + parts + " was never uploaded");
                }
                completed.add(CompletedPart.builder().partNumber(i).eTag(etag).build());
            }
            call("complete multipart write of", key, () -> client.completeMultipartUpload(b -> b
                    .bucket(bucket).key(name).uploadId(uploadId)
                    .multipartUpload(CompletedMultipartUpload.builder().parts(completed).build())));
        }

        @Override
        public void abort() throws BlobStoreException {
            try {
                client.abortMultipartUpload(b -> b.bucket(bucket).key(name).uploadId(uploadId));
            } catch (SdkException e) {
                if (!absent(e)) { // else already completed or aborted
                    throw failure("abort multipart write of", key, e);
                }
            }
        }

        @Override
        public String toString() {
            return "multipart write of " + key + " in " + describe();
        }
    }

    /**
     * Whether the store lists the upload among those in progress. This is the authority, because some servers
     * (S3Proxy) answer ListParts for any upload id. Without permission to list uploads, AWS's own answer to
     * ListParts (NoSuchUpload) decides instead.
     */
    private boolean uploadListed(String key, String uploadId) {
        String name = prefix + key;
        try {
            for (MultipartUpload upload : client.listMultipartUploadsPaginator(b -> b.bucket(bucket).prefix(name))
                    .uploads()) {
                if (upload.key().equals(name) && upload.uploadId().equals(uploadId)) {
                    return true;
                }
            }
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 403 && "AccessDenied".equals(errorCode(e))) {
                log.debug("No permission to list multipart uploads in {}; relying on ListParts", describe());
                return true;
            }
            throw e;
        }
    }

    /** The parts the store holds for an upload, by number. */
    private Map<Integer, String> listParts(String key, String uploadId) {
        String name = fullKey(key);
        Map<Integer, String> parts = new TreeMap<>();
        Integer marker = null;
        while (true) {
            ListPartsRequest.Builder request = ListPartsRequest.builder().bucket(bucket).key(name).uploadId(uploadId);
            if (marker != null) {
                request.partNumberMarker(marker);
            }
            ListPartsResponse response = client.listParts(request.build());
            for (Part part : response.parts()) {
                parts.put(part.partNumber(), part.eTag());
            }
            if (!Boolean.TRUE.equals(response.isTruncated()) || response.nextPartNumberMarker() == null
                    || response.nextPartNumberMarker().equals(marker)) {
                return parts;
            }
            marker = response.nextPartNumberMarker();
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private String fullKey(String key) {
        return prefix + BlobKeys.check(key);
    }

    /** Timeouts for a request that carries {@code bytes}: more time in proportion to its size. */
    private AwsRequestOverrideConfiguration transfer(long bytes) {
        S3Settings.Timeouts timeouts = settings.timeouts();
        Duration extra = Duration.ofMillis(Math.max(0, bytes) * 1000 / timeouts.transferRate());
        return AwsRequestOverrideConfiguration.builder()
                .apiCallAttemptTimeout(timeouts.attempt().plus(extra))
                .apiCallTimeout(timeouts.call().plus(extra.multipliedBy(3)))
                .build();
    }

    private <T> T call(String operation, String key, Supplier<T> action) throws BlobStoreException {
        try {
            return action.get();
        } catch (SdkException e) {
            throw failure(operation, key, e);
        } catch (UncheckedIOException e) {
            throw new BlobStoreException(operation + " " + key + " in " + describe() + ": "
                    + scrub(String.valueOf(e.getCause())), clean(e.getCause()) ? e.getCause() : null);
        }
    }

    private static String errorCode(S3Exception e) {
        return e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
    }

    /**
     * Whether {@code e} only says that the object or multipart upload is not there: NoSuchKey, NoSuchUpload, or
     * another 404 unless it is NoSuchBucket (a missing bucket is a failure of the store, not an absent object).
     */
    private static boolean absent(SdkException e) {
        return e instanceof NoSuchKeyException || e instanceof NoSuchUploadException
                || (e instanceof S3Exception s3 && s3.statusCode() == 404 && !isNoSuchBucket(s3));
    }

    private static boolean isNoSuchBucket(S3Exception e) {
        return e instanceof NoSuchBucketException || (e.awsErrorDetails() != null
                && "NoSuchBucket".equals(e.awsErrorDetails().errorCode()));
    }

    /**
     * A BlobStoreException that says what failed where, in words free of credentials. The SDK's exception is kept
     * as the cause only if nothing in its chain mentions a credential.
     */
    private BlobStoreException failure(String operation, String key, SdkException e) {
        String reason;
        if (e instanceof S3Exception s3) {
            var details = s3.awsErrorDetails();
            String code = details == null ? null : details.errorCode();
            String message = details == null ? null : details.errorMessage();
            reason = "HTTP " + s3.statusCode() + (code == null ? "" : " " + code)
                    + (message == null ? "" : ": " + message);
        } else if (e instanceof ApiCallTimeoutException) {
            reason = "no answer within the call timeout (" + e.getMessage() + ")";
        } else if (e instanceof ApiCallAttemptTimeoutException) {
            reason = "no answer within the attempt timeout (" + e.getMessage() + ")";
        } else {
            reason = e.getMessage();
        }
        String message = operation + " " + key + " in " + describe() + ": " + scrub(reason);
        return new BlobStoreException(message, clean(e) ? e : null);
    }

    private String scrub(String text) {
        String result = text;
        for (Secret secret : secrets) {
            result = secret.scrub(result);
        }
        return result;
    }

    /** Whether no message or {@code toString} in {@code e}'s cause chain contains a credential. */
    private boolean clean(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String text = t.toString();
            for (Secret secret : secrets) {
                if (text.contains(secret.reveal())) {
                    return false;
                }
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (!clean(suppressed)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * {@code attachment; filename="…"; filename*=UTF-8''…} (RFC 6266): the plain form with anything outside
     * printable ASCII, quotes and backslashes replaced, and the exact name percent-encoded.
     */
    static String contentDisposition(String downloadName) {
        StringBuilder ascii = new StringBuilder();
        for (int i = 0; i < downloadName.length(); i++) {
            char c = downloadName.charAt(i);
            ascii.append(c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != ';' ? c : '_');
        }
        StringBuilder encoded = new StringBuilder();
        for (byte b : downloadName.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || "!#$&+-.^_`|~".indexOf(c) >= 0) {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(String.format("%02X", c));
            }
        }
        return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
    }
}
