package dev.capstan.recorder.browser;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The scripts that read and steer jitsi-meet's page. They touch only what Jibri's own scripts touch
 * ({@code APP.conference._room} and its participants, {@code APP.conference.getStats()}), plus lib-jitsi-meet's
 * public conference events, so that what works for Jibri works here.
 */
final class JitsiMeetScripts {

    private JitsiMeetScripts() {
    }

    /** Jibri's join check; an error (no APP yet, no conference yet) comes back as its message. */
    static final String IS_JOINED = """
            try {
                return APP.conference._room.isJoined();
            } catch (e) {
                return e.message;
            }
            """;

    /** Writes [key, value] pairs into the page's local storage. */
    static final String STORE_LOCALLY = """
            arguments[0].forEach(function (item) { window.localStorage.setItem(item[0], item[1]); });
            return true;
            """;

    /** Jibri's addToPresence for each [name, value] pair, then sendPresence; true, or the error's message. */
    static final String ADD_TO_PRESENCE = """
            try {
                var room = APP.conference._room.room;
                arguments[0].forEach(function (element) {
                    room.addOrReplaceInPresence(element[0], { value: element[1] });
                });
                room.sendPresence();
                return true;
            } catch (e) {
                return e.message;
            }
            """;

    /** What the recording shows of a participant, and how jitsi-meet says the recorder should ignore one. */
    private static final String PARTICIPANTS = """
            var capstanVisible = function (p) { return !(p.isHidden() || p.isHiddenFromRecorder()); };
            var capstanDescribe = function (p) {
                var identity = typeof p.getIdentity === 'function' ? p.getIdentity() : undefined;
                var user = (identity && identity.user) || {};
                return {
                    id: String(p.getId()),
                    displayName: p.getDisplayName() || '',
                    identity: identity ? {
                        userId: user.id || null, name: user.name || null, email: user.email || null,
                        avatar: user.avatar || null, group: identity.group || null
                    } : null
                };
            };
            """;

    /**
     * Remembers every visible participant from now on, also those who come and go between two probes (Jibri's
     * participant tracker, through lib-jitsi-meet's public events and with the same filter as the counts).
     */
    static final String TRACK_PARTICIPANTS = PARTICIPANTS + """
            try {
                if (window._capstanSeen) {
                    return true;
                }
                var conference = APP.conference._room;
                var seen = window._capstanSeen = { order: [], byId: {} };
                window._capstanRemember = function (p) {
                    if (!p || !capstanVisible(p)) {
                        return;
                    }
                    var described = capstanDescribe(p);
                    var known = seen.byId[described.id];
                    if (!known) {
                        seen.byId[described.id] = described;
                        seen.order.push(described.id);
                    } else if (described.displayName) {
                        known.displayName = described.displayName;
                    }
                };
                conference.getParticipants().forEach(window._capstanRemember);
                conference.on('conference.userJoined', function (id, p) { window._capstanRemember(p); });
                conference.on('conference.displayNameChanged', function (id, name) {
                    var known = seen.byId[String(id)];
                    if (known && name) {
                        known.displayName = name;
                    }
                });
                return true;
            } catch (e) {
                return e.message;
            }
            """;

    /**
     * One look at the meeting. Jibri's counts: visible participants are neither hidden nor hidden from the recorder;
     * all are muted when each has sound and picture muted and none is a phone participant; what is received is
     * {@code getStats().bitrate.download}, 0 when the page has no figure yet (as Jibri reads it).
     */
    static final String PROBE = PARTICIPANTS + """
            var result = { joined: false, participants: [], allMuted: true, downloadKbps: -1, seen: [], error: null };
            var conference;
            try {
                conference = APP.conference._room;
                result.joined = conference.isJoined() === true;
            } catch (e) {
                // No APP or no conference: the page has left the meeting.
                return result;
            }
            if (!result.joined) {
                return result;
            }
            try {
                var visible = conference.getParticipants().filter(capstanVisible);
                result.participants = visible.map(capstanDescribe);
                result.allMuted = visible.every(function (p) {
                    return p.isAudioMuted() && p.isVideoMuted() && p.getProperty('features_jigasi') !== true;
                });
                if (window._capstanRemember) {
                    visible.forEach(window._capstanRemember);
                }
            } catch (e) {
                result.error = 'participants: ' + e.message;
                return result;
            }
            try {
                var stats = APP.conference.getStats();
                var download = stats && stats.bitrate ? stats.bitrate.download : 0;
                result.downloadKbps = typeof download === 'number' ? Math.round(download) : 0;
            } catch (e) {
                result.downloadKbps = -1;
            }
            var seen = window._capstanSeen;
            result.seen = seen ? seen.order.map(function (id) { return seen.byId[id]; }) : result.participants;
            return result;
            """;

    /** The probe's answer as a room state; empty when the page could not be read. */
    static Optional<RoomState> roomState(Object answer) {
        if (!(answer instanceof Map)) {
            return Optional.empty();
        }
        Map<?, ?> result = (Map<?, ?>) answer;
        if (result.get("error") != null) {
            return Optional.empty();
        }
        boolean joined = Boolean.TRUE.equals(result.get("joined"));
        long download = result.get("downloadKbps") instanceof Number
                ? ((Number) result.get("downloadKbps")).longValue() : -1;
        return Optional.of(new RoomState(participants(result.get("participants")),
                !Boolean.FALSE.equals(result.get("allMuted")), download, joined, participants(result.get("seen"))));
    }

    private static List<Participant> participants(Object list) {
        List<Participant> participants = new ArrayList<>();
        if (list instanceof List) {
            for (Object item : (List<?>) list) {
                if (item instanceof Map && ((Map<?, ?>) item).get("id") != null) {
                    Map<?, ?> described = (Map<?, ?>) item;
                    participants.add(new Participant(String.valueOf(described.get("id")),
                            text(described.get("displayName")).orElse(""), identity(described.get("identity"))));
                }
            }
        }
        return participants;
    }

    private static Optional<Participant.Identity> identity(Object identity) {
        if (!(identity instanceof Map)) {
            return Optional.empty();
        }
        Map<?, ?> fields = (Map<?, ?>) identity;
        return Optional.of(new Participant.Identity(text(fields.get("userId")), text(fields.get("name")),
                text(fields.get("email")), text(fields.get("avatar")), text(fields.get("group"))));
    }

    private static Optional<String> text(Object value) {
        return value == null ? Optional.empty() : Optional.of(String.valueOf(value)).filter(s -> !s.isEmpty());
    }
}
