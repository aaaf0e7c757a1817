package dev.capstan.scheduler.archive;

import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * A recording about to start, as the archive files it.
 *
 * @param room       the conference's name (from its JID) or, for a plain page, its host and path
 * @param sessionId  Jicofo's session id, for recordings started through XMPP
 * @param appData    Jicofo's {@code app_data}, already parsed; {@code file_recording_metadata} goes into metadata.json
 */
public record RecordingOrder(RecordingId id, String room, URI meetingUrl, Optional<String> sessionId,
        Map<String, Object> appData, Instant requestedAt) {

    public RecordingOrder {
        appData = Map.copyOf(appData);
    }

    public static RecordingOrder of(RecordingId id, String room, URI meetingUrl) {
        return new RecordingOrder(id, room, meetingUrl, Optional.empty(), Map.of(), Instant.now());
    }
}
