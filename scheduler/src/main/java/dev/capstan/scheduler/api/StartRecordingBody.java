package dev.capstan.scheduler.api;

import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Map;

/**
 * The body of {@code POST /api/v1/recordings} as the OpenAPI description shows it. The endpoint reads its body by
 * hand ({@link StartRecordingRequest}, strictly: unknown fields are refused); this record only documents it.
 */
@Schema(name = "StartRecording", description = "What to record: a page (url) or a Jitsi room (room JID), exactly "
        + "one of them; how; for how long; at which size; with which metadata. Unknown fields are refused.")
record StartRecordingBody(
        @Schema(description = "the http(s) page to record; required unless room is a room JID",
                example = "https://meet.example.com/standup")
        String url,
        @Schema(description = "a Jitsi room JID (it holds an @) recorded instead of url, joined as Jibri's hidden "
                + "participant; or, with url, the catalog's name for the recording (default: the url's host and "
                + "path)", example = "standup@conference.meet.example.com", maxLength = 200)
        String room,
        @Schema(description = "file, stream (live only, nothing kept), both, or audio (the page's sound alone in "
                + "a file: no picture, no streams, no resolution); default file, or both with streams",
                allowableValues = {"file", "stream", "both", "audio"})
        String mode,
        @ArraySchema(arraySchema = @Schema(description = "live destinations; each must match the operator's "
                + "allow-list and resolve"), schema = @Schema(example = "rtmps://a.rtmp.youtube.com/live2/KEY"),
                maxItems = 8)
        List<String> streams,
        @Schema(description = "ISO-8601 duration after which the recording stops by itself, at most PT24H",
                example = "PT1H30M")
        String maxDuration,
        @Schema(description = "WIDTHxHEIGHT or <lines>p (16:9), no larger than the node's recorder display (720p by "
                + "default); smaller sizes are scaled by the encoder keeping the display's aspect ratio",
                example = "640x360")
        String resolution,
        @Schema(description = "also keep each remote speaker's sound in Ogg/Opus files of its own beside the "
                + "recording's file, with a speaker timeline (GET /api/v1/recordings/{id}/tracks), when the page is "
                + "a Jitsi meeting that offers its tracks; any other page records as without it, and its status says "
                + "so. Not with mode stream (nothing is kept to put the tracks beside). Default false",
                example = "true")
        Boolean speakerTracks,
        @Schema(description = "the caller's own data, returned in status, events and webhooks and kept as the "
                + "recording's app data: a JSON object of at most 8 KiB and 50 keys (nested ones counted), 4 levels "
                + "deep; values are strings, numbers, booleans or objects", example = "{\"course\": \"math-101\"}")
        Map<String, Object> metadata) {
}
