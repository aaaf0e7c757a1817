package dev.capstan.scheduler.fleet;

import dev.capstan.recorder.capture.OutputSize;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a node needs to record one part of a session: the same for every part, so a scheduler can place the next
 * part after a fault from this alone (it is kept with the session).
 *
 * @param id          the session's recording id, the catalog entry users see
 * @param room        the catalog's name for the meeting
 * @param mode        {@code file}, {@code stream} or {@code both}
 * @param streams     live destinations; they hold stream keys, so this order is never logged or shown whole
 * @param maxDuration the whole session's limit: a later part gets what is left of it
 * @param size        the picture size asked for, when smaller than the node's display
 */
public record RemoteOrder(String id, URI url, String room, String mode, List<String> streams,
        Optional<Duration> maxDuration, Optional<OutputSize> size, String metadataJson, Instant requestedAt) {

    public RemoteOrder {
        streams = List.copyOf(streams);
    }

    /** The command that records part {@code part} of it into the catalog recording {@code partId}. */
    public FleetIq command(int part, String partId, Instant now) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("id", id);
        attributes.put("part-id", partId);
        attributes.put("part", Integer.toString(part));
        attributes.put("url", url.toString());
        attributes.put("room", room);
        attributes.put("mode", mode);
        attributes.put("requested-at", requestedAt.toString());
        size.ifPresent(box -> attributes.put("size", box.toString()));
        maxDuration.map(limit -> limit.minus(Duration.between(requestedAt, now)))
                .map(left -> left.isNegative() ? Duration.ofSeconds(1) : left)
                .ifPresent(left -> attributes.put("max-duration", left.toString()));
        return FleetIq.command("record", attributes).withStreams(streams).withMetadata(metadataJson);
    }

    @Override
    public String toString() {
        return "recording " + id + " of " + url.getHost() + " (" + mode + ", " + streams.size() + " streams)";
    }
}
