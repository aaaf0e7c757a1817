package dev.capstan.scheduler.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capstan.recorder.capture.OutputSize;
import dev.capstan.recorder.capture.VideoProfile;
import dev.capstan.recorder.live.InvalidStreamUrlException;
import dev.capstan.recorder.live.StreamPolicy;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.scheduler.plan.Meeting;
import dev.capstan.scheduler.plan.Mode;
import dev.capstan.scheduler.plan.Output;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;

/**
 * Reads {@code POST /api/v1/recordings} into its {@link RecordingPlan}, checked in full before anything starts: the
 * page or Jitsi room, what to make of it, where to stream (each address against the operator's allow-list, its host
 * resolved), for how long, at which size, under which name, with which caller's metadata. There is no other shape
 * of the request in between: the plan is what runs, here or on a fleet's node.
 *
 * <p>{@code room} is either the catalog's name for a recording of {@code url} (as before) or, when it holds an
 * {@code @}, a Jitsi room JID recorded instead of a URL: exactly one of {@code url} and a room JID is given. A room
 * is joined as Jibri joins it (its environment's login named, not sent) and ends with its meeting; a page is just
 * opened.
 */
final class StartRecordingRequest {

    static final List<String> FIELDS = List.of("url", "room", "mode", "streams", "maxDuration", "resolution",
            "speakerTracks", "metadata");
    static final Duration LONGEST = Duration.ofHours(24);
    private static final int MAX_URL_LENGTH = 2048;
    private static final int MAX_ROOM_LENGTH = 200;
    private static final Pattern SIZE = Pattern.compile("(\\d{1,5})[xX](\\d{1,5})");
    private static final Pattern LINES = Pattern.compile("(\\d{1,4})[pP]");
    private static final String SIZE_EXAMPLE = "WIDTHxHEIGHT such as 1280x720 or 640x360, or 720p, 540p, 360p";

    /**
     * What a start is checked against.
     *
     * @param maxDestinations how many stream addresses one recording may have
     * @param display         the slots' display: the largest size a recording can have
     */
    record Checks(StreamPolicy policy, int maxDestinations, VideoProfile display, MeetingRooms rooms) {
    }

    private StartRecordingRequest() {
    }

    /**
     * @param id      the new recording's id
     * @param earlier errors already found (in headers), reported after the body's
     * @throws InvalidRequestException naming every field that is wrong
     */
    static RecordingPlan plan(ObjectNode body, Checks checks, List<InvalidRequestException.FieldError> earlier,
            RecordingId id) {
        List<InvalidRequestException.FieldError> errors = JsonBody.unknownFields(body, FIELDS);
        // The room is read first (a JID replaces the url), but its errors follow the url's, in field order.
        List<InvalidRequestException.FieldError> roomErrors = new ArrayList<>();
        Optional<String> roomText = room(body.get("room"), roomErrors);
        boolean byJid = roomText.filter(text -> text.contains("@")).isPresent();
        Optional<URI> page = byJid ? Optional.empty() : page(body.get("url"), errors);
        errors.addAll(roomErrors);
        Optional<MeetingRooms.Room> jitsiRoom = Optional.empty();
        if (byJid) {
            if (present(body.get("url")) != null) {
                errors.add(error("room", "a room JID is an alternative to url: give one of them (to name a "
                        + "recording of a url, give a room name without '@')"));
            } else {
                jitsiRoom = jitsiRoom(roomText.get(), checks.rooms(), errors);
            }
        }
        Optional<Mode> mode = mode(body.get("mode"), errors);
        JsonNode streamsNode = present(body.get("streams"));
        int given = streamsNode != null && streamsNode.isArray() ? streamsNode.size() : 0;
        if (streamsNode != null && !streamsNode.isArray()) {
            errors.add(error("streams", "must be an array of rtmp:// or rtmps:// URLs"));
        }
        Mode chosen = mode.orElse(given == 0 ? Mode.FILE : Mode.BOTH);
        List<StreamUrl> streams = List.of();
        if (present(body.get("mode")) != null && mode.isEmpty()) {
            // The mode is wrong already; whether the streams fit it cannot be said.
        } else if (chosen == Mode.FILE && given > 0) {
            errors.add(error("streams", "mode file takes no streams; use mode both to record and stream"));
        } else if (chosen == Mode.AUDIO && streamsNode != null) {
            errors.add(error("streams", "mode audio takes no streams: an audio-only recording keeps a file and "
                    + "streams nothing"));
        } else if (chosen != Mode.FILE && chosen != Mode.AUDIO && given == 0 && (streamsNode == null || streamsNode.isArray())) {
            errors.add(error("streams", "mode " + chosen.wireName() + " needs at least one stream URL"));
        } else if (given > checks.maxDestinations()) {
            errors.add(error("streams", "at most " + checks.maxDestinations() + " stream URLs, not " + given));
        } else if (given > 0) {
            streams = streams(streamsNode, checks.policy(), errors);
        }
        Optional<Duration> maxDuration = maxDuration(body.get("maxDuration"), errors);
        Optional<OutputSize> size = resolution(body.get("resolution"), checks.display(), errors);
        if (chosen == Mode.AUDIO && present(body.get("resolution")) != null) {
            errors.removeIf(error -> error.field().equals("resolution"));
            errors.add(error("resolution", "mode audio has no picture to size: leave resolution out"));
            size = Optional.empty();
        }
        boolean speakerTracks = speakerTracks(body.get("speakerTracks"), errors);
        if (speakerTracks && !chosen.recordsFile()) {
            errors.add(error("speakerTracks", "mode " + chosen.wireName() + " keeps no file to put speaker tracks "
                    + "beside; use mode both, file or audio"));
        }
        Optional<Map<String, Object>> metadata = RequestMetadata.check(present(body.get("metadata")), errors);
        errors.addAll(earlier);
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        List<Output> outputs = new ArrayList<>(chosen == Mode.AUDIO ? List.of(new Output.AudioFile())
                : RecordingPlan.outputs(chosen.recordsFile(), streams));
        if (speakerTracks) {
            outputs.add(new Output.SpeakerTracks());
        }
        if (jitsiRoom.isPresent()) {
            MeetingRooms.Room room = jitsiRoom.get();
            return new RecordingPlan(id, room.name(), checks.rooms().meeting(room), outputs, maxDuration,
                    Optional.of(checks.rooms().autoStop()), size, metadata.orElseThrow(), Optional.empty(),
                    Instant.now());
        }
        URI address = page.orElseThrow();
        return new RecordingPlan(id, roomText.orElseGet(() -> roomOf(address)), new Meeting.Page(address), outputs,
                maxDuration, Optional.empty(), size, metadata.orElseThrow(), Optional.empty(), Instant.now());
    }

    /**
     * A size as {@code WIDTHxHEIGHT} or {@code <lines>p} (16:9, the width rounded to even), no larger than the
     * display in either direction: the display cannot grow, so only smaller sizes are made, by the encoder.
     */
    static Optional<OutputSize> resolution(JsonNode node, VideoProfile display,
            List<InvalidRequestException.FieldError> errors) {
        node = present(node);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isTextual()) {
            errors.add(error("resolution", "must be a string: " + SIZE_EXAMPLE));
            return Optional.empty();
        }
        String text = node.asText().strip();
        Matcher size = SIZE.matcher(text);
        Matcher lines = LINES.matcher(text);
        int width;
        int height;
        if (size.matches()) {
            width = Integer.parseInt(size.group(1));
            height = Integer.parseInt(size.group(2));
        } else if (lines.matches()) {
            height = Integer.parseInt(lines.group(1));
            width = (int) Math.round(height * 16 / 9.0 / 2) * 2;
        } else {
            errors.add(error("resolution", "must be " + SIZE_EXAMPLE + ", not " + ApiErrors.quote(bounded(text, 20))));
            return Optional.empty();
        }
        String largest = display.width() + "x" + display.height();
        if (width < OutputSize.MIN || height < OutputSize.MIN) {
            errors.add(error("resolution", "must be at least " + OutputSize.MIN + "x" + OutputSize.MIN + ", not "
                    + width + "x" + height));
            return Optional.empty();
        }
        if (width > display.width() || height > display.height()) {
            errors.add(error("resolution", width + "x" + height + " is larger than this node's recorder display; "
                    + "the largest allowed is " + largest));
            return Optional.empty();
        }
        return Optional.of(new OutputSize(width, height));
    }

    private static Optional<MeetingRooms.Room> jitsiRoom(String text, MeetingRooms rooms,
            List<InvalidRequestException.FieldError> errors) {
        EntityBareJid jid;
        try {
            jid = text.contains("/") ? null : JidCreate.entityBareFrom(text);
        } catch (XmppStringprepException | IllegalArgumentException e) {
            jid = null;
        }
        if (jid == null) {
            errors.add(error("room", "is not a room JID such as myroom@conference.meet.example.com"));
            return Optional.empty();
        }
        MeetingRooms.Result found = rooms.resolve(jid);
        if (found instanceof MeetingRooms.Result.Unknown unknown) {
            errors.add(error("room", "the room " + unknown.reason()));
            return Optional.empty();
        }
        return Optional.of(((MeetingRooms.Result.Found) found).room());
    }

    /**
     * One stream address, as {@code POST /api/v1/recordings/{id}/streams} gives it in {@code url}.
     *
     * @throws InvalidRequestException when it is missing or refused (the reason masks the address)
     */
    static StreamUrl stream(ObjectNode body, StreamPolicy policy) {
        JsonNode url = present(body.get("url"));
        List<InvalidRequestException.FieldError> errors = JsonBody.unknownFields(body, List.of("url"));
        StreamUrl checked = null;
        if (url == null) {
            errors.add(error("url", "required: the rtmp:// or rtmps:// URL to stream to"));
        } else if (!url.isTextual()) {
            errors.add(error("url", "must be a string: an rtmp:// or rtmps:// URL"));
        } else {
            checked = check("url", url.asText(), policy, errors);
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
        return checked;
    }

    /** JSON null counts as absent. */
    private static JsonNode present(JsonNode node) {
        return node == null || node.isNull() ? null : node;
    }

    private static InvalidRequestException.FieldError error(String field, String message) {
        return new InvalidRequestException.FieldError(field, message);
    }

    /** The page's address is not repeated in errors: it may carry a token. */
    private static Optional<URI> page(JsonNode node, List<InvalidRequestException.FieldError> errors) {
        node = present(node);
        if (node == null) {
            errors.add(error("url", "required: the http:// or https:// address of the page to record (or a room "
                    + "JID in room)"));
            return Optional.empty();
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            errors.add(error("url", "must be a string: the http:// or https:// address of the page to record"));
            return Optional.empty();
        }
        String text = node.asText().strip();
        if (text.length() > MAX_URL_LENGTH) {
            errors.add(error("url", "is longer than " + MAX_URL_LENGTH + " characters"));
            return Optional.empty();
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            errors.add(error("url", "is not a valid URL (" + e.getReason() + ")"));
            return Optional.empty();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            errors.add(error("url", "must be an http:// or https:// address"
                    + (scheme.isEmpty() ? "" : ", not " + bounded(scheme, 16) + "://")));
            return Optional.empty();
        }
        if (uri.isOpaque() || uri.getHost() == null || uri.getHost().isBlank()) {
            errors.add(error("url", "has no host (https://host/path)"));
            return Optional.empty();
        }
        return Optional.of(uri);
    }

    private static Optional<Mode> mode(JsonNode node, List<InvalidRequestException.FieldError> errors) {
        node = present(node);
        if (node == null) {
            return Optional.empty();
        }
        if (node.isTextual()) {
            for (Mode mode : Mode.values()) {
                if (mode.wireName().equalsIgnoreCase(node.asText().strip())) {
                    return Optional.of(mode);
                }
            }
        }
        errors.add(error("mode", "must be file, stream, both or audio"
                + (node.isTextual() ? ", not " + ApiErrors.quote(bounded(node.asText(), 20)) : "")));
        return Optional.empty();
    }

    private static boolean speakerTracks(JsonNode node, List<InvalidRequestException.FieldError> errors) {
        node = present(node);
        if (node == null) {
            return false;
        }
        if (!node.isBoolean()) {
            errors.add(error("speakerTracks", "must be true or false: whether each speaker's sound is kept in files "
                    + "of its own beside the recording"));
            return false;
        }
        return node.booleanValue();
    }

    private static List<StreamUrl> streams(JsonNode array, StreamPolicy policy,
            List<InvalidRequestException.FieldError> errors) {
        List<StreamUrl> streams = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            String field = "streams[" + i + "]";
            JsonNode element = array.get(i);
            if (!element.isTextual()) {
                errors.add(error(field, "must be a string: an rtmp:// or rtmps:// URL"));
                continue;
            }
            StreamUrl url = check(field, element.asText(), policy, errors);
            if (url == null) {
                continue;
            }
            int earlier = streams.indexOf(url);
            if (earlier >= 0) {
                errors.add(error(field, "the same address as streams[" + positions.get(earlier) + "]"));
                continue;
            }
            streams.add(url);
            positions.add(i);
        }
        return streams;
    }

    /** The policy's reasons mask the address: they are safe to show. */
    private static StreamUrl check(String field, String text, StreamPolicy policy,
            List<InvalidRequestException.FieldError> errors) {
        try {
            return policy.check(text);
        } catch (InvalidStreamUrlException e) {
            errors.add(error(field, e.getMessage()));
            return null;
        }
    }

    private static Optional<Duration> maxDuration(JsonNode node, List<InvalidRequestException.FieldError> errors) {
        node = present(node);
        if (node == null) {
            return Optional.empty();
        }
        String example = "an ISO-8601 duration such as PT30M or PT1H30M";
        if (!node.isTextual()) {
            errors.add(error("maxDuration", "must be a string: " + example));
            return Optional.empty();
        }
        Duration duration;
        try {
            duration = Duration.parse(node.asText().strip());
        } catch (DateTimeParseException e) {
            errors.add(error("maxDuration", "must be " + example + ", not "
                    + ApiErrors.quote(bounded(node.asText(), 40))));
            return Optional.empty();
        }
        if (duration.isNegative() || duration.isZero()) {
            errors.add(error("maxDuration", "must be positive"));
            return Optional.empty();
        }
        if (duration.compareTo(LONGEST) > 0) {
            errors.add(error("maxDuration", "must be at most PT24H (24 hours)"));
            return Optional.empty();
        }
        return Optional.of(duration);
    }

    private static Optional<String> room(JsonNode node, List<InvalidRequestException.FieldError> errors) {
        node = present(node);
        if (node == null) {
            return Optional.empty();
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            errors.add(error("room", "must be a non-empty string"));
            return Optional.empty();
        }
        String room = node.asText().strip();
        if (room.length() > MAX_ROOM_LENGTH) {
            errors.add(error("room", "is longer than " + MAX_ROOM_LENGTH + " characters"));
            return Optional.empty();
        }
        if (room.chars().anyMatch(Character::isISOControl)) {
            errors.add(error("room", "contains control characters"));
            return Optional.empty();
        }
        return Optional.of(room);
    }

    /** A plain page's catalog name: its host and path, as {@code meet.example.com/room}. */
    static String roomOf(URI page) {
        String path = page.getPath() == null ? "" : page.getPath().replaceAll("/+$", "");
        return page.getHost() + path;
    }

    private static String bounded(String value, int length) {
        return value.length() > length ? value.substring(0, length) + "…" : value;
    }
}
