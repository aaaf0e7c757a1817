package dev.capstan.storage.archive;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A recording that has just started, as {@link Catalog#create} records it.
 *
 * @param id          the recording's id
 * @param room        the room name or JID, or null when unknown
 * @param meetingUrl  the meeting's URL
 * @param sessionId   Jicofo's session id, or null
 * @param mode        file or stream
 * @param startedAt   when capture started
 * @param appDataJson application data, a JSON object as text; null means {@code {}}
 * @param partOf      for a later part of a session, which recording it continues; empty for a recording of its own
 */
public record NewRecording(RecordingId id, String room, String meetingUrl, String sessionId, RecordingMode mode,
                           Instant startedAt, String appDataJson, Optional<PartOf> partOf) {

    /** A recording of its own (part 1 of its session). */
    public NewRecording(RecordingId id, String room, String meetingUrl, String sessionId, RecordingMode mode,
            Instant startedAt, String appDataJson) {
        this(id, room, meetingUrl, sessionId, mode, startedAt, appDataJson, Optional.empty());
    }

    public NewRecording {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(meetingUrl, "meetingUrl");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(startedAt, "startedAt");
        Limits.check("room", room, Limits.ROOM);
        Limits.check("meetingUrl", meetingUrl, Limits.MEETING_URL);
        Limits.check("sessionId", sessionId, Limits.SESSION_ID);
        appDataJson = Limits.json("appDataJson", appDataJson, '{', "{}");
        Objects.requireNonNull(partOf, "partOf");
        if (partOf.isPresent() && partOf.get().parent().equals(id)) {
            throw new IllegalArgumentException("recording " + id + " cannot be a part of itself");
        }
    }

    /** The same recording, filed as a later part of {@code parent}. */
    public NewRecording asPart(PartOf part) {
        return new NewRecording(id, room, meetingUrl, sessionId, mode, startedAt, appDataJson, Optional.of(part));
    }
}
