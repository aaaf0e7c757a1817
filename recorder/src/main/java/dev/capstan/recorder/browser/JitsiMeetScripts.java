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

    /**
     * Starts a MediaRecorder (Opus in WebM, a chunk a second) on each visible remote participant's audio track once
     * its first packets arrive, now and for every track added later; queues the chunks and what participants do.
     * The browser has decoded the sound already to play it; the recorder encodes it once more, as the track arrives.
     * True, or why the page cannot give its tracks.
     */
    static final String CAPTURE_TRACKS = PARTICIPANTS + """
            try {
                if (window._capstanTracks) {
                    return true;
                }
                if (typeof MediaRecorder === 'undefined' || !MediaRecorder.isTypeSupported('audio/webm;codecs=opus')) {
                    return 'this browser cannot record Opus in WebM';
                }
                var conference = APP.conference._room;
                if (typeof conference.getParticipants()[0] === 'object'
                        && typeof conference.getParticipants()[0].getTracks !== 'function') {
                    return 'the participants of this page have no tracks';
                }
                var state = window._capstanTracks = { queue: [], recorders: {} };
                var now = function () { return performance.timeOrigin + performance.now(); };
                var broken = function (key, e) {
                    state.queue.push({ type: 'broken', key: key, at: now(),
                        message: String(e && (e.message || e.name) || e) });
                };
                var stop = function (key) {
                    var entry = state.recorders[key];
                    if (entry && entry.recorder && entry.recorder.state !== 'inactive') {
                        entry.recorder.stop();
                    }
                };
                var capture = function (track) {
                    try {
                        if (!track || track.getType() !== 'audio' || (track.isLocal && track.isLocal())) {
                            return;
                        }
                        var owner = conference.getParticipantById(track.getParticipantId());
                        var media = track.getTrack();
                        if (!owner || !capstanVisible(owner) || !media || state.recorders[media.id]) {
                            return;
                        }
                        var entry = state.recorders[media.id] = { recorder: null };
                        if (track.isMuted()) {
                            state.queue.push({ type: 'muted', participantId: String(owner.getId()), muted: true,
                                at: now() });
                        }
                        var begin = function () {
                            if (entry.recorder || media.readyState === 'ended' || entry.stopped) {
                                return;
                            }
                            var described = capstanDescribe(owner);
                            var statsId = typeof owner.getStatsID === 'function' ? owner.getStatsID() : null;
                            var recorder = entry.recorder = new MediaRecorder(new MediaStream([ media ]),
                                { mimeType: 'audio/webm;codecs=opus', audioBitsPerSecond: 48000 });
                            recorder.ondataavailable = function (e) {
                                if (e.data && e.data.size > 0) {
                                    state.queue.push({ type: 'data', key: media.id, blob: e.data, at: now() });
                                }
                            };
                            recorder.onstop = function () {
                                state.queue.push({ type: 'ended', key: media.id, at: now() });
                            };
                            recorder.onerror = function (e) { broken(media.id, e.error || e); };
                            state.queue.push({ type: 'started', key: media.id, at: now(), participant: described,
                                statsId: statsId ? String(statsId) : null });
                            recorder.start(1000);
                        };
                        // A track whose packets never come (a participant who never sends) gets no recorder.
                        if (media.muted) {
                            media.addEventListener('unmute', begin, { once: true });
                        } else {
                            begin();
                        }
                        media.addEventListener('ended', function () { stop(media.id); });
                    } catch (e) {
                        broken(null, e);
                    }
                };
                state.finish = function () {
                    return Promise.all(Object.keys(state.recorders).map(function (key) {
                        var entry = state.recorders[key];
                        entry.stopped = true;
                        if (!entry.recorder || entry.recorder.state === 'inactive') {
                            return null;
                        }
                        return new Promise(function (resolve) {
                            entry.recorder.addEventListener('stop', resolve, { once: true });
                            entry.recorder.stop();
                        });
                    }));
                };
                conference.getParticipants().filter(capstanVisible).forEach(function (p) {
                    state.queue.push({ type: 'joined', participantId: String(p.getId()), at: now() });
                });
                conference.getParticipants().forEach(function (p) { p.getTracks().forEach(capture); });
                conference.on('conference.trackAdded', capture);
                conference.on('conference.trackRemoved', function (track) {
                    if (track && track.getTrack()) {
                        stop(track.getTrack().id);
                    }
                });
                conference.on('conference.trackMuteChanged', function (track) {
                    if (track && track.getType() === 'audio' && !(track.isLocal && track.isLocal())) {
                        state.queue.push({ type: 'muted', participantId: String(track.getParticipantId()),
                            muted: track.isMuted(), at: now() });
                    }
                });
                conference.on('conference.userJoined', function (id, p) {
                    if (p && capstanVisible(p)) {
                        state.queue.push({ type: 'joined', participantId: String(id), at: now() });
                    }
                });
                conference.on('conference.userLeft', function (id) {
                    state.queue.push({ type: 'left', participantId: String(id), at: now() });
                });
                return true;
            } catch (e) {
                return e.message;
            }
            """;

    /**
     * Takes what the track capture queued, the chunks as base64; with {@code true} as argument, first ends every
     * track's capture. Answers {@code installed: false} when the page has no capture (it reloaded itself).
     */
    static final String TAKE_TRACKS = """
            var done = arguments[arguments.length - 1];
            var state = window._capstanTracks;
            if (!state) {
                done({ installed: false, items: [] });
                return;
            }
            var ready = arguments[0] === true ? state.finish() : Promise.resolve();
            ready.then(function () {
                return Promise.all(state.queue.splice(0).map(function (item) {
                    if (item.type !== 'data') {
                        return item;
                    }
                    return item.blob.arrayBuffer().then(function (buffer) {
                        var bytes = new Uint8Array(buffer);
                        var text = '';
                        for (var i = 0; i < bytes.length; i += 0x8000) {
                            text += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
                        }
                        return { type: 'data', key: item.key, data: btoa(text), at: item.at };
                    });
                }));
            }).then(function (items) {
                done({ installed: true, items: items });
            }, function (e) {
                done({ installed: true, items: [ { type: 'broken', key: null, at: Date.now(),
                    message: String(e && e.message || e) } ] });
            });
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

    static List<Participant> participants(Object list) {
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

    static Optional<Participant.Identity> identity(Object identity) {
        if (!(identity instanceof Map)) {
            return Optional.empty();
        }
        Map<?, ?> fields = (Map<?, ?>) identity;
        return Optional.of(new Participant.Identity(text(fields.get("userId")), text(fields.get("name")),
                text(fields.get("email")), text(fields.get("avatar")), text(fields.get("group"))));
    }

    static Optional<String> text(Object value) {
        return value == null ? Optional.empty() : Optional.of(String.valueOf(value)).filter(s -> !s.isEmpty());
    }
}
