package dev.capstan.scheduler.archive;

import dev.capstan.storage.archive.PartOf;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A recording about to start, as the archive files it.
 *
 * @param room       the conference's name (from its JID) or, for a plain page, its host and path
 * @param sessionId  Jicofo's session id, for recordings started through XMPP
 * @param appData    Jicofo's {@code app_data}, already parsed; {@code file_recording_metadata} goes into metadata.json
 * @param partOf     for a session that moved to another slot after a fault, which part of which recording this is;
 *                   empty for a session's first recording
 */
public record RecordingOrder(RecordingId id, String room, URI meetingUrl, Optional<String> sessionId,
        Map<String, Object> appData, Instant requestedAt, Optional<PartOf> partOf) {

    public RecordingOrder {
        Objects.requireNonNull(partOf, "partOf");
        appData = Map.copyOf(appData);
    }

    /** A session's first recording. */
    public RecordingOrder(RecordingId id, String room, URI meetingUrl, Optional<String> sessionId,
            Map<String, Object> appData, Instant requestedAt) {
        this(id, room, meetingUrl, sessionId, appData, requestedAt, Optional.empty());
    }

    public static RecordingOrder of(RecordingId id, String room, URI meetingUrl) {
        return new RecordingOrder(id, room, meetingUrl, Optional.empty(), Map.of(), Instant.now());
    }

    /**
     * The same meeting recorded on as part {@code number} of {@code parent} (after the slot or node that recorded
     * the earlier part failed): a fresh id, requested now; the archive files it below {@code parent}, so the
     * catalog keeps listing one recording.
     */
    public RecordingOrder asPart(RecordingId parent, int number) {
        return new RecordingOrder(RecordingId.generate(), room, meetingUrl, sessionId, appData, Instant.now(),
                Optional.of(new PartOf(parent, number)));
    }

    /** This order, with its own id, filed as part {@code part}: for a scheduler that chose the part's id itself. */
    public RecordingOrder withPart(PartOf part) {
        return new RecordingOrder(id, room, meetingUrl, sessionId, appData, requestedAt, Optional.of(part));
    }
}
