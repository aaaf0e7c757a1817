package dev.capstan.storage.archive;

import java.time.Instant;
import java.util.Objects;

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
 */
public record NewRecording(RecordingId id, String room, String meetingUrl, String sessionId, RecordingMode mode,
                           Instant startedAt, String appDataJson) {

    public NewRecording {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(meetingUrl, "meetingUrl");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(startedAt, "startedAt");
        Limits.check("room", room, Limits.ROOM);
        Limits.check("meetingUrl", meetingUrl, Limits.MEETING_URL);
        Limits.check("sessionId", sessionId, Limits.SESSION_ID);
        appDataJson = Limits.json("appDataJson", appDataJson, '{', "{}");
    }
}
