package dev.capstan.scheduler.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;

/** What the archive's end-to-end tests share: the API over HTTP (redirects not followed), downloads, timing. */
final class ArchiveTestSupport {

    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private ArchiveTestSupport() {
    }

    static URI local(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    static <T> HttpResponse<T> get(URI uri, HttpResponse.BodyHandler<T> body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).build(), body);
    }

    /** A GET of the application's API that must answer 200, as JSON. */
    static JsonNode api(int port, String path) throws Exception {
        HttpResponse<String> response = get(local(port, path), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    /** A GET that must answer 200, its body kept in {@code file}. */
    static Path download(URI uri, Path file, String description) throws Exception {
        HttpResponse<Path> response = get(uri, HttpResponse.BodyHandlers.ofFile(file));
        assertThat(response.statusCode()).as(description).isEqualTo(200);
        return file;
    }

    static void sleepUntil(long startNanos, Duration after) throws InterruptedException {
        long wait = startNanos + after.toNanos() - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(wait));
        }
    }

    static String sha256(Path file) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
