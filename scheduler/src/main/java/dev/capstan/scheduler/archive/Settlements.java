package dev.capstan.scheduler.archive;

import dev.capstan.storage.archive.Catalog;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Who waits for a recording to settle (ready, partial or failed), and who hears each one this process settles. */
final class Settlements {

    private static final Logger log = LoggerFactory.getLogger(Settlements.class);

    private final Catalog catalog;
    private final Map<RecordingId, CompletableFuture<Optional<RecordingEntry>>> waiting = new ConcurrentHashMap<>();
    private final List<Consumer<RecordingEntry>> listeners = new CopyOnWriteArrayList<>();

    Settlements(Catalog catalog) {
        this.catalog = catalog;
    }

    /** See {@link RecordingArchive#settled}. */
    CompletableFuture<Optional<RecordingEntry>> settled(RecordingId id) {
        // Waiting first, then looking: a recording that settles in between still completes the future.
        CompletableFuture<Optional<RecordingEntry>> future = waiting.computeIfAbsent(id,
                key -> new CompletableFuture<>());
        Optional<RecordingEntry> entry = catalog.find(id);
        if (entry.isEmpty() || entry.get().status().isFinal()) {
            waiting.remove(id, future);
            future.complete(entry);
        }
        return future;
    }

    /** See {@link RecordingArchive#onFinished}. */
    void onFinished(Consumer<RecordingEntry> listener) {
        listeners.add(listener);
    }

    /** This process has just settled the recording: listeners hear it, then whoever waits. */
    void finished(RecordingEntry entry) {
        for (Consumer<RecordingEntry> listener : listeners) {
            try {
                listener.accept(entry);
            } catch (RuntimeException e) {
                log.warn("recording {}: a listener failed on its end: {}", entry.id(), e.toString());
            }
        }
        settle(entry);
    }

    /** Completes whoever waits for the recording to settle, with its final entry. */
    void settle(RecordingEntry entry) {
        CompletableFuture<Optional<RecordingEntry>> future = waiting.remove(entry.id());
        if (future != null) {
            future.complete(Optional.of(entry));
        }
    }
}
