package dev.capstan.scheduler.recording;

import dev.capstan.recorder.browser.MeetingPage;
import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.slot.AutoStop;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.scheduler.archive.RecordingOrder;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.springframework.stereotype.Service;

/**
 * Starts recordings on this host's node with the archive attached: the catalog entry exists before the slot is
 * claimed, segments stream to the store while it records, and the final file follows its end.
 */
@Service
public class Recordings {

    private final Node node;
    private final RecordingArchive archive;

    public Recordings(Node node, RecordingArchive archive) {
        this.node = node;
        this.archive = archive;
    }

    /**
     * @param listener  also hears the recorder's events (joined, on, progress, outcome)
     * @param maxWait   how long to queue for a free slot; zero refuses at once when busy
     * @return completes once a slot has taken the recording, or fails with the node's reason
     */
    public CompletableFuture<Recording> start(RecordingOrder order, MeetingPage page, Optional<Duration> maxDuration,
            Duration maxWait, Consumer<SlotEvent> listener) throws IOException {
        return start(order, page, maxDuration, Optional.empty(), maxWait, listener);
    }

    /** @param autoStop when the recording ends by itself because the meeting did (empty, all muted, no media) */
    public CompletableFuture<Recording> start(RecordingOrder order, MeetingPage page, Optional<Duration> maxDuration,
            Optional<AutoStop> autoStop, Duration maxWait, Consumer<SlotEvent> listener) throws IOException {
        RecordingRequest request = RecordingRequest.segmentsOnly(order.id(), page, archive.begin(order));
        if (maxDuration.isPresent()) {
            request = request.withMaxDuration(maxDuration.get());
        }
        if (autoStop.isPresent()) {
            request = request.withAutoStop(autoStop.get());
        }
        return node.record(request, archive.events(order.id()).andThen(listener), maxWait)
                .whenComplete((recording, error) -> {
                    if (error != null) {
                        Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                        archive.abandon(order.id(), "not started: " + cause.getMessage());
                    }
                });
    }

    public RecordingArchive archive() {
        return archive;
    }
}
