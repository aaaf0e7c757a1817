package dev.capstan.scheduler.jibri;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.stringprep.XmppStringprepException;

/** What Jicofo asks of a Jibri, read and checked from a {@link JibriIq}. */
public sealed interface JibriRequest {

    /** Longest attribute accepted; Jicofo's are short ids and JIDs, except {@code app_data}. */
    int MAX_ATTRIBUTE = 4096;
    int MAX_APP_DATA = 64 * 1024;

    /** How the session's media leaves: to a file, or to a live stream (RTMP). */
    enum Mode {
        FILE, STREAM;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * {@code action='start'}.
     *
     * @param sessionId          Jicofo's id for the session
     * @param streamId           stream mode: an RTMP(S) URL or a YouTube stream key
     * @param youTubeBroadcastId stream mode: what viewers open ({@code you_tube_broadcast_id})
     * @param appData            {@code app_data}, parsed; {@code file_recording_metadata} goes into metadata.json
     * @param sipAddress         set for a SIP-gateway request, which Capstan does not serve
     */
    record Start(String sessionId, EntityBareJid room, Mode mode, Optional<String> streamId,
            Optional<String> youTubeBroadcastId, Map<String, Object> appData, Optional<Boolean> rtcstatsEnabled,
            Optional<String> sipAddress) implements JibriRequest {

        /** Jibri's YouTube default: a bare stream key goes to YouTube's RTMP ingest. */
        static final String YOUTUBE_INGEST = "rtmp://a.rtmp.youtube.com/live2/";

        public Start {
            appData = Map.copyOf(appData);
        }

        /** Where to stream: {@code streamid} as given if it is a URL, else a YouTube key (as Jibri). */
        public Optional<String> streamUrl() {
            // Any other URL is kept too, to be refused for its scheme: YouTube keys never hold "://".
            return streamId.map(id -> id.matches("(?s)[A-Za-z][A-Za-z0-9+.-]*://.*") ? id : YOUTUBE_INGEST + id);
        }

        /** What viewers open: {@code you_tube_broadcast_id} as given if it is a URL, else its youtu.be link (as Jibri). */
        public Optional<String> viewUrl() {
            return youTubeBroadcastId.map(id -> id.regionMatches(true, 0, "http://", 0, 7)
                    || id.regionMatches(true, 0, "https://", 0, 8) ? id : "http://youtu.be/" + id);
        }
    }

    /** {@code action='stop'}, for one session or, without an id, whatever the occupant runs (as Jibri). */
    record Stop(Optional<String> sessionId) implements JibriRequest {
    }

    static JibriRequest parse(JibriIq iq, ObjectMapper json) throws MalformedRequestException {
        for (Map.Entry<String, String> attribute : iq.attributes().entrySet()) {
            int limit = attribute.getKey().equals("app_data") ? MAX_APP_DATA : MAX_ATTRIBUTE;
            if (attribute.getValue().length() > limit) {
                throw new MalformedRequestException("attribute " + attribute.getKey() + " is "
                        + attribute.getValue().length() + " characters long; at most " + limit + " are accepted");
            }
        }
        String action = iq.attribute("action").map(value -> value.toLowerCase(Locale.ROOT))
                .orElseThrow(() -> new MalformedRequestException("the action attribute is missing"));
        switch (action) {
            case "start":
                return parseStart(iq, json);
            case "stop":
                return new Stop(nonBlank(iq, "session_id"));
            default:
                throw new MalformedRequestException("unknown action '" + abbreviate(action) + "'; expected start or stop");
        }
    }

    private static Start parseStart(JibriIq iq, ObjectMapper json) throws MalformedRequestException {
        String sessionId = nonBlank(iq, "session_id")
                .orElseThrow(() -> new MalformedRequestException("the session_id attribute is missing"));
        String roomText = nonBlank(iq, "room")
                .orElseThrow(() -> new MalformedRequestException("the room attribute is missing"));
        EntityBareJid room;
        try {
            room = JidCreate.entityBareFrom(roomText);
        } catch (XmppStringprepException | IllegalArgumentException e) {
            throw new MalformedRequestException("room '" + abbreviate(roomText) + "' is not a room JID (room@domain)");
        }
        String modeText = nonBlank(iq, "recording_mode").orElse("file");
        Mode mode;
        try {
            mode = Mode.valueOf(modeText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MalformedRequestException("unknown recording_mode '" + abbreviate(modeText) + "'; expected file or stream");
        }
        Map<String, Object> appData = Map.of();
        Optional<String> appDataText = nonBlank(iq, "app_data");
        if (appDataText.isPresent()) {
            try {
                appData = json.readValue(appDataText.get(), new TypeReference<Map<String, Object>>() { });
            } catch (JsonProcessingException e) {
                throw new MalformedRequestException("app_data is not a JSON object: " + e.getOriginalMessage());
            }
            if (appData == null) {
                appData = Map.of();
            }
        }
        Optional<Boolean> rtcstats = nonBlank(iq, "rtcstats_enabled").map(Boolean::parseBoolean);
        return new Start(sessionId, room, mode, nonBlank(iq, "streamid"), nonBlank(iq, "you_tube_broadcast_id"),
                appData, rtcstats, nonBlank(iq, "sipaddress"));
    }

    private static Optional<String> nonBlank(JibriIq iq, String name) {
        return iq.attribute(name).map(String::trim).filter(value -> !value.isEmpty());
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }
}
