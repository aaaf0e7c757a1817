package dev.capstan.scheduler.events.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.function.IntUnaryOperator;

/**
 * A webhook receiver for tests: the JDK's HTTP server on a free 127.0.0.1 port, answering each request with the status
 * {@code answer} gives for its number (1, 2, …), and keeping every request it got.
 */
final class Receiver implements AutoCloseable {

    /** One request as it arrived. */
    record Received(Instant at, Map<String, String> headers, String body, int answered) {

        String header(String name) {
            return headers.get(name.toLowerCase());
        }
    }

    private final HttpServer server;
    private final List<Received> received = new ArrayList<>();
    private volatile IntUnaryOperator answer;

    private Receiver(IntUnaryOperator answer) throws IOException {
        this.answer = answer;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", exchange -> {
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
            int status;
            synchronized (received) {
                status = this.answer.applyAsInt(received.size() + 1);
                received.add(new Received(Instant.now(), headers, body, status));
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
    }

    /** Answers 200 to everything. */
    static Receiver healthy() throws IOException {
        return new Receiver(n -> 200);
    }

    static Receiver answering(IntUnaryOperator answer) throws IOException {
        return new Receiver(answer);
    }

    void answer(IntUnaryOperator answer) {
        this.answer = answer;
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hooks/capstan");
    }

    List<Received> received() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /** The requests so far once there are at least {@code count}; fails after {@code timeout}. */
    List<Received> awaitRequests(int count, Duration timeout) {
        await(count + " webhook requests").atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                .untilAsserted(() -> assertThat(received()).as("requests received").hasSizeGreaterThanOrEqualTo(count));
        return received();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
