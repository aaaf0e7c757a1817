package dev.capstan.scheduler.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A client of {@code GET /api/v1/recordings/{id}/events}, as a browser's EventSource reads it: each event's name and
 * JSON data as they come, and whether the server has ended the stream.
 */
final class EventStream implements AutoCloseable {

    /** One server-sent event. */
    record Event(String name, JsonNode data) {
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final HttpResponse<Stream<String>> response;
    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final List<Event> all = new ArrayList<>();

    private EventStream(HttpResponse<Stream<String>> response) {
        this.response = response;
        Thread reader = new Thread(this::read, "event-stream-client");
        reader.setDaemon(true);
        reader.start();
    }

    /** Opens the stream; the answer's status and headers are known when this returns. */
    static EventStream open(ControlApi api, String path) throws Exception {
        HttpRequest request = api.request(path).header("Accept", "text/event-stream").GET().build();
        return new EventStream(HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).get(10, TimeUnit.SECONDS));
    }

    int status() {
        return response.statusCode();
    }

    String contentType() {
        return response.headers().firstValue("Content-Type").orElse("");
    }

    private void read() {
        String name = "message";
        StringBuilder data = new StringBuilder();
        try (Stream<String> lines = response.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.isEmpty()) {
                    if (!data.isEmpty()) {
                        Event event = new Event(name, ControlApi.JSON.readTree(data.toString()));
                        synchronized (all) {
                            all.add(event);
                        }
                        events.add(event);
                    }
                    name = "message";
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).strip());
                }
            }
            ended.complete(null);
        } catch (Exception e) {
            ended.completeExceptionally(e);
        }
    }

    /** The next event, failing if none comes within {@code limit}. */
    Event next(Duration limit) throws InterruptedException {
        Event event = events.poll(limit.toMillis(), TimeUnit.MILLISECONDS);
        if (event == null) {
            throw new AssertionError("no event within " + limit.toSeconds() + " s (ended: " + ended.isDone() + ")");
        }
        return event;
    }

    /** Completes when the server ends the stream. */
    CompletableFuture<Void> ended() {
        return ended;
    }

    /** Every event so far. */
    List<Event> all() {
        synchronized (all) {
            return List.copyOf(all);
        }
    }

    @Override
    public void close() {
        response.body().close();
    }
}
