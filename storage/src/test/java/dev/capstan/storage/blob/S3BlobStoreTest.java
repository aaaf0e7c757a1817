package dev.capstan.storage.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.storage.fixture.LoopbackPort;
import dev.capstan.storage.fixture.S3ProxyServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class S3BlobStoreTest extends BlobStoreContractTest {

    private static final String BUCKET = "capstan-test";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static S3ProxyServer server;

    private S3Settings settings;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3ProxyServer.start();
        try (S3BlobStore store = S3BlobStore.create(server.settings(BUCKET, ""))) {
            store.ensureBucket();
            store.ensureBucket(); // idempotent
        }
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    protected BlobStore newStore() {
        // Each test has its own prefix, so they see only their own objects.
        settings = server.settings(BUCKET, "/t" + COUNTER.incrementAndGet());
        return S3BlobStore.create(settings);
    }

    @Override
    protected BlobStore reopen() {
        return S3BlobStore.create(settings);
    }

    @Test
    void settingsNormaliseThePrefixAndDescribeWithoutSecrets() {
        assertThat(settings.prefix()).matches("t\\d+/");
        assertThat(server.settings(BUCKET, "").prefix()).isEmpty();
        assertThat(server.settings(BUCKET, "a/b/").prefix()).isEqualTo("a/b/");
        assertThat(store.describe()).isEqualTo("s3://" + BUCKET + "/" + settings.prefix() + " (" + server.endpoint() + ")");
        assertThat(store.minimumPartSize()).isEqualTo(5L * 1024 * 1024);
        for (String text : new String[] {store.describe(), store.toString(), settings.toString(),
                settings.secretKey().orElseThrow().toString(), settings.accessKey().orElseThrow().toString()}) {
            assertThat(text).doesNotContain(server.secretKey()).doesNotContain(server.accessKey());
        }
        assertThatThrownBy(() -> S3Settings.of(URI.create("http://user:pw@127.0.0.1:1"), "b", "", "a", "s"))
                .isInstanceOf(IllegalArgumentException.class).message().doesNotContain("pw");
    }

    @Test
    void objectsAreStoredUnderThePrefix() throws Exception {
        store.put("rec/a", new byte[] {1, 2}, "application/octet-stream");
        try (S3BlobStore root = S3BlobStore.create(server.settings(BUCKET, ""))) {
            assertThat(root.stat(settings.prefix() + "rec/a")).isPresent();
        }
    }

    @Test
    void presignedGetFetchesTheBytes() throws Exception {
        byte[] content = bytes(70_000, 7);
        store.put("rec/final.mp4", content, "video/mp4");
        URI url = store.presignedGet("rec/final.mp4", Duration.ofMinutes(5), "Meeting \"1\" ü.mp4").orElseThrow();
        assertThat(url.toString()).doesNotContain(server.secretKey());

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(content);
        assertThat(response.headers().firstValue("Content-Disposition")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("attachment; filename=\"Meeting _1_ _.mp4\"")
                .contains("filename*=UTF-8''Meeting%20%221%22%20%C3%BC.mp4"));

        URI plain = store.presignedGet("rec/final.mp4", Duration.ofMinutes(5), null).orElseThrow();
        HttpResponse<byte[]> second = http.send(HttpRequest.newBuilder(plain).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).isEqualTo(content);

        assertThatThrownBy(() -> store.presignedGet("rec/final.mp4", Duration.ofDays(8), null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void wrongSecretFailsWithoutShowingEitherSecret() throws Exception {
        String wrongSecret = "wrong-" + server.secretKey();
        S3Settings wrong = settings.withCredentials(server.accessKey(), wrongSecret);
        try (S3BlobStore bad = S3BlobStore.create(wrong)) {
            assertThatThrownBy(() -> bad.put("rec/x", new byte[] {1}, "text/plain"))
                    .isInstanceOfSatisfying(BlobStoreException.class, e -> {
                        assertThat(e.getMessage()).contains("put rec/x").contains(BUCKET).contains("403");
                        assertNoSecrets(e, wrongSecret);
                    });
            assertThatThrownBy(() -> bad.read("rec/x", 0, -1)).isInstanceOfSatisfying(BlobStoreException.class,
                    e -> assertNoSecrets(e, wrongSecret));
            assertThatThrownBy(() -> bad.list("")).isInstanceOfSatisfying(BlobStoreException.class,
                    e -> assertNoSecrets(e, wrongSecret));
        }
        assertThat(wrong.toString()).doesNotContain(wrongSecret).doesNotContain(server.accessKey());
    }

    @Test
    void unusedPortFailsWithinSeconds() throws Exception {
        int port = LoopbackPort.free();
        S3Settings dead = settings.withEndpoint(URI.create("http://127.0.0.1:" + port));
        try (S3BlobStore store = S3BlobStore.create(dead)) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> store.put("rec/x", new byte[] {1}, "text/plain"))
                    .isInstanceOfSatisfying(BlobStoreException.class, e -> {
                        assertThat(e.getMessage()).contains("put rec/x")
                                .contains("s3://" + BUCKET + "/" + settings.prefix())
                                .contains("127.0.0.1:" + port);
                        assertNoSecrets(e, server.secretKey());
                    });
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void serverThatNeverAnswersFailsWithinTheCallTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            S3Settings hung = settings.withEndpoint(URI.create("http://127.0.0.1:" + silent.getLocalPort()))
                    .withTimeouts(new S3Settings.Timeouts(Duration.ofSeconds(1), Duration.ofMillis(700),
                            Duration.ofSeconds(2), 1024 * 1024));
            try (S3BlobStore store = S3BlobStore.create(hung)) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> store.put("rec/x", new byte[] {1}, "text/plain"))
                        .isInstanceOf(BlobStoreException.class)
                        .hasMessageContaining("put rec/x")
                        .hasMessageContaining("127.0.0.1:" + silent.getLocalPort());
                assertThatThrownBy(() -> store.stat("rec/x"))
                        .isInstanceOf(BlobStoreException.class)
                        .hasMessageContaining("stat rec/x");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
            }
        }
    }

    @Test
    void dataSurvivesARestartAndADeadServerFailsFast() throws Exception {
        byte[] content = bytes(1000, 8);
        store.put("rec/kept", content, "application/octet-stream");
        MultipartWrite write = store.startMultipart("rec/pending", "application/octet-stream");
        byte[] part = bytes(2000, 9);
        write.putPart(1, content(part), part.length);

        server.kill();
        try {
            long start = System.nanoTime();
            assertThatThrownBy(() -> store.stat("rec/kept")).isInstanceOfSatisfying(BlobStoreException.class,
                    e -> assertThat(e.getMessage()).contains("stat rec/kept").contains(server.endpoint().toString()));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        } finally {
            server.restart();
        }

        assertThat(readAll(store.read("rec/kept", 0, -1))).isEqualTo(content);
        MultipartWrite resumed = store.resumeMultipart("rec/pending", write.uploadId()).orElseThrow();
        resumed.complete(1);
        assertThat(readAll(store.read("rec/pending", 0, -1))).isEqualTo(part);
    }

    private void assertNoSecrets(Throwable e, String... more) {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        e.printStackTrace(new PrintStream(trace, true, StandardCharsets.UTF_8));
        String all = e.getMessage() + "\n" + e + "\n" + trace.toString(StandardCharsets.UTF_8);
        assertThat(all).doesNotContain(server.secretKey());
        for (String secret : more) {
            assertThat(all).doesNotContain(secret);
        }
    }
}
