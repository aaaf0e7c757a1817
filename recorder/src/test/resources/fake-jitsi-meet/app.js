/*
 * A fake jitsi-meet for Capstan's tests: the parts Jibri (and so Capstan) relies on, backed by a real Prosody.
 *
 * - the URL hash is parsed as jitsi-meet's parseURLParams does, and config.* / interfaceConfig.* overrides apply;
 * - the login comes from appData.localStorageContent when config.useHostPageLocalStorage is set, else from the
 *   browser's localStorage (xmpp_username_override, xmpp_password_override); without one the page joins as a guest;
 * - XMPP over WebSocket (RFC 7395): open, SASL PLAIN or ANONYMOUS, bind, then the MUC <room>@<hosts.muc>;
 * - window.APP.conference looks like jitsi-meet's: _room.isJoined(), _room.room.addOrReplaceInPresence() and
 *   sendPresence(), _room.getParticipants() with lib-jitsi-meet's participant methods, getStats() and events.
 *
 * No media flows from XMPP guests. A participant "has tracks" when its presence carries
 * <test-media xmlns='urn:capstan:test'/>; like lib-jitsi-meet, a participant without tracks counts as muted. Each
 * unmuted one with media adds 500 kbit/s to getStats().bitrate.download.
 *
 * Loopback speakers (config.capstanSpeakers) are participants whose sound is real: each is an oscillator sent
 * through a pair of RTCPeerConnections in this page, so that it arrives as a remote WebRTC audio track, wrapped in
 * lib-jitsi-meet's JitsiRemoteTrack shape, played through an <audio> element (as jitsi-meet plays remote audio) and
 * announced with the conference's trackAdded / trackRemoved / trackMuteChanged / userJoined / userLeft events.
 * A speaker: { name, hz, statsId, present: [[fromS, toS or null], ...], muted: [[fromS, toS], ...], silent,
 * beepOffsetMs }; times in seconds after the recorder joined. config.capstanBreakTrackCaptureAt (seconds) makes the
 * page break a recorder's track capture then. It beeps (300 ms every second, from beepOffsetMs on)
 * so that its onsets can be found; a silent one has an audio track over which nothing is ever sent.
 */
(function () {
    'use strict';

    var NS_CLIENT = 'jabber:client';
    var NS_FRAMING = 'urn:ietf:params:xml:ns:xmpp-framing';
    var NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
    var NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';
    var NS_MUC = 'http://jabber.org/protocol/muc';
    var NS_MUC_USER = 'http://jabber.org/protocol/muc#user';
    var NS_MUC_OWNER = 'http://jabber.org/protocol/muc#owner';
    var FEATURE_JIBRI = 'http://jitsi.org/protocol/jibri';
    var FEATURE_JIGASI = 'http://jitsi.org/protocol/jigasi';
    var NS_TEST = 'urn:capstan:test';
    var KBPS_PER_SENDER = 500;

    var statusLine = document.getElementById('status');
    var tiles = document.getElementById('tiles');

    function status(text) {
        statusLine.textContent = text;
        console.log('fake-jitsi-meet: ' + text);
    }

    // ---- URL hash, as jitsi-meet's parseURLParams (values JSON-parsed; an unparsable one is dropped) ----

    function parseURLParams(hash) {
        var params = {};
        var parts = hash ? hash.substr(1).split('&') : [];
        parts.forEach(function (part) {
            var param = part.split('=');
            var key = param[0];
            if (!key || key.split('.').some(function (k) {
                return [ '__proto__', 'constructor', 'prototype' ].indexOf(k) >= 0;
            })) {
                return;
            }
            try {
                var decoded = decodeURIComponent(param[1]).replace(/\\&/, '&')
                    .replace(/[\u2018\u2019]/g, '\'')
                    .replace(/[\u201C\u201D]/g, '"');
                params[key] = decoded === 'undefined' ? undefined : JSON.parse(decoded);
            } catch (e) {
                console.error('Failed to parse URL parameter value: ' + String(param[1]), e);
            }
        });
        return params;
    }

    function setPath(root, path, value) {
        var target = root;
        for (var i = 0; i < path.length - 1; i++) {
            if (typeof target[path[i]] !== 'object' || target[path[i]] === null) {
                target[path[i]] = {};
            }
            target = target[path[i]];
        }
        target[path[path.length - 1]] = value;
    }

    var params = parseURLParams(window.location.hash);
    window.config = window.config || {};
    window.interfaceConfig = window.interfaceConfig || {};
    Object.keys(params).forEach(function (key) {
        var path = key.split('.');
        if (path[0] === 'config' && path.length > 1) {
            setPath(window.config, path.slice(1), params[key]);
        } else if (path[0] === 'interfaceConfig' && path.length > 1) {
            setPath(window.interfaceConfig, path.slice(1), params[key]);
        }
    });

    // ---- Local storage: the host page's (from the hash) or the browser's ----

    function hostPageStorage() {
        var items = {};
        try {
            // The hash parser parsed the value once; it holds JSON in a string, parsed here a second time.
            var content = JSON.parse(params['appData.localStorageContent']);
            if (typeof content === 'object' && content !== null) {
                Object.keys(content).forEach(function (key) {
                    items[key] = String(content[key]);
                });
            }
        } catch (e) {
            console.error('Can\'t parse localStorageContent.', e);
        }
        return {
            getItem: function (key) { return Object.prototype.hasOwnProperty.call(items, key) ? items[key] : null; },
            setItem: function (key, value) { items[key] = String(value); }
        };
    }

    var useHostPageLocalStorage = params['config.useHostPageLocalStorage'] === true
        || config.useHostPageLocalStorage === true;
    var storage = useHostPageLocalStorage ? hostPageStorage() : window.localStorage;
    window.capstanStorageSource = useHostPageLocalStorage ? 'host-page' : 'browser';

    // ---- The page's own meeting objects, shaped like jitsi-meet's ----

    function Emitter() {
        this._listeners = {};
    }
    Emitter.prototype.on = function (event, listener) {
        (this._listeners[event] = this._listeners[event] || []).push(listener);
    };
    Emitter.prototype.addListener = Emitter.prototype.on;
    Emitter.prototype.addEventListener = Emitter.prototype.on;
    Emitter.prototype.emit = function (event) {
        var args = Array.prototype.slice.call(arguments, 1);
        (this._listeners[event] || []).forEach(function (listener) {
            try {
                listener.apply(null, args);
            } catch (e) {
                console.error('listener of ' + event + ' failed', e);
            }
        });
    };

    function resourceOf(jid) {
        var slash = jid.indexOf('/');
        return slash < 0 ? '' : jid.substring(slash + 1);
    }

    function bareOf(jid) {
        var slash = jid.indexOf('/');
        return slash < 0 ? jid : jid.substring(0, slash);
    }

    function domainOf(jid) {
        var bare = bareOf(jid);
        return bare.substring(bare.indexOf('@') + 1);
    }

    /** lib-jitsi-meet's JitsiParticipant, over one MUC member. */
    function Participant(member) {
        this._member = member;
    }
    Participant.prototype.getId = function () { return resourceOf(this._member.from); };
    Participant.prototype.getJid = function () { return this._member.from; };
    Participant.prototype.getDisplayName = function () { return this._member.nick; };
    Participant.prototype.getStatsID = function () { return this._member.statsID; };
    Participant.prototype.getRole = function () { return this._member.role; };
    Participant.prototype.getIdentity = function () { return this._member.identity; };
    Participant.prototype.isHidden = function () { return this._member.isHiddenDomain; };
    Participant.prototype.isHiddenFromRecorder = function () {
        var identity = this._member.identity;
        return !!(identity && identity.user && identity.user['hidden-from-recorder'] === 'true');
    };
    // No tracks means muted, as lib-jitsi-meet counts it.
    Participant.prototype.isAudioMuted = function () { return !this._member.hasMedia || this._member.audioMuted; };
    Participant.prototype.isVideoMuted = function () { return !this._member.hasMedia || this._member.videoMuted; };
    Participant.prototype.getProperty = function (name) {
        return name === 'features_jigasi' ? this._member.features.indexOf(FEATURE_JIGASI) >= 0 : undefined;
    };
    Participant.prototype.getFeatures = function () { return Promise.resolve(new Set(this._member.features)); };
    Participant.prototype.sendsMedia = function () {
        return this._member.hasMedia && !(this._member.audioMuted && this._member.videoMuted);
    };
    Participant.prototype.getTracks = function () { return (this._tracks || []).slice(); };
    Participant.prototype.getTracksByMediaType = function (type) {
        return this.getTracks().filter(function (track) { return track.getType() === type; });
    };

    /** lib-jitsi-meet's ChatRoom: the MUC, its members and the recorder's own presence. */
    function ChatRoom(xmpp, roomJid, nick) {
        Emitter.call(this);
        this.xmpp = xmpp;
        this.roomjid = roomJid;
        this.myroomjid = roomJid + '/' + nick;
        this.joined = false;
        this.members = {};
        this.presMap = [];
    }
    ChatRoom.prototype = Object.create(Emitter.prototype);
    ChatRoom.prototype.addOrReplaceInPresence = function (tagName, node) {
        this.removeFromPresence(tagName);
        this.presMap.push({ tagName: tagName, value: node.value, attributes: node.attributes || {} });
        return true;
    };
    ChatRoom.prototype.removeFromPresence = function (tagName) {
        this.presMap = this.presMap.filter(function (node) { return node.tagName !== tagName; });
    };
    ChatRoom.prototype.presence = function (join) {
        var xml = '<presence xmlns="' + NS_CLIENT + '" to="' + escape(this.myroomjid) + '">';
        if (join) {
            xml += '<x xmlns="' + NS_MUC + '"/>';
        }
        this.presMap.forEach(function (node) {
            xml += '<' + node.tagName;
            Object.keys(node.attributes).forEach(function (name) {
                xml += ' ' + name + '="' + escape(String(node.attributes[name])) + '"';
            });
            xml += node.children ? '>' + node.children + '</' + node.tagName + '>'
                : node.value === undefined ? '/>' : '>' + escape(String(node.value)) + '</' + node.tagName + '>';
        });
        return xml + '</presence>';
    };
    ChatRoom.prototype.join = function () {
        this.xmpp.send(this.presence(true));
    };
    ChatRoom.prototype.sendPresence = function () {
        this.xmpp.send(this.presence(false));
        return true;
    };
    ChatRoom.prototype.leave = function () {
        this.xmpp.send('<presence xmlns="' + NS_CLIENT + '" to="' + escape(this.myroomjid) + '" type="unavailable"/>');
        this.joined = false;
    };

    /** lib-jitsi-meet's JitsiConference. */
    function Conference(room) {
        Emitter.call(this);
        this.room = room;
        this.participants = {};
    }
    Conference.prototype = Object.create(Emitter.prototype);
    Conference.prototype.isJoined = function () { return !!(this.room && this.room.joined); };
    Conference.prototype.getParticipants = function () {
        var participants = this.participants;
        return Object.keys(participants).map(function (id) { return participants[id]; });
    };
    Conference.prototype.getParticipantCount = function () { return this.getParticipants().length + 1; };
    Conference.prototype.getParticipantById = function (id) { return this.participants[id]; };
    Conference.prototype.myUserId = function () { return resourceOf(this.room.myroomjid); };
    Conference.prototype.leave = function () {
        if (this.room) {
            this.room.leave();
        }
        return Promise.resolve();
    };

    var conference = null;

    window.APP = {
        conference: {
            _room: undefined,
            getStats: function () {
                var sending = conference ? conference.getParticipants().filter(function (p) {
                    return !p.isHidden() && p.sendsMedia();
                }).length : 0;
                return { bitrate: { download: sending * KBPS_PER_SENDER, upload: 0 } };
            },
            getConnectionState: function () { return conference && conference.isJoined() ? 'connected' : 'new'; },
            isLocalAudioMuted: function () { return true; },
            isLocalVideoMuted: function () { return true; }
        }
    };

    // ---- XMPP over WebSocket (RFC 7395) ----

    function escape(text) {
        return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
            .replace(/"/g, '&quot;').replace(/'/g, '&apos;');
    }

    function utf8Base64(text) {
        return btoa(unescape(encodeURIComponent(text)));
    }

    function child(element, name, namespace) {
        for (var node = element.firstElementChild; node; node = node.nextElementSibling) {
            if (node.localName === name && (!namespace || node.namespaceURI === namespace)) {
                return node;
            }
        }
        return null;
    }

    function Xmpp(url) {
        this.url = url;
        this.handlers = [];
    }
    Xmpp.prototype.send = function (xml) {
        if (this.socket && this.socket.readyState === WebSocket.OPEN) {
            this.socket.send(xml);
        }
    };
    Xmpp.prototype.open = function () {
        this.send('<open xmlns="' + NS_FRAMING + '" to="' + escape(this.domain) + '" version="1.0"/>');
    };
    /** Logs in (PLAIN with a login, ANONYMOUS without) and binds; calls back with the full JID or an error. */
    Xmpp.prototype.connect = function (jid, password, domain, callback) {
        var self = this;
        this.domain = domain;
        this.authenticated = false;
        this.socket = new WebSocket(this.url, 'xmpp');
        this.socket.onopen = function () { self.open(); };
        this.socket.onclose = function () {
            if (!self.failed) {
                status('disconnected');
            }
            self.closed = true;
            if (self.onclose) {
                self.onclose();
            }
        };
        this.socket.onmessage = function (message) {
            var element = new DOMParser().parseFromString(message.data, 'text/xml').documentElement;
            if (element.localName === 'features') {
                if (!self.authenticated) {
                    var mechanism = jid ? 'PLAIN' : 'ANONYMOUS';
                    var body = jid ? utf8Base64('\u0000' + jid.substring(0, jid.indexOf('@')) + '\u0000' + password) : '';
                    self.send('<auth xmlns="' + NS_SASL + '" mechanism="' + mechanism + '">' + body + '</auth>');
                } else {
                    // A resource of its own per page, as lib-jitsi-meet's: two recorders share the hidden account.
                    self.send('<iq xmlns="' + NS_CLIENT + '" type="set" id="bind-1"><bind xmlns="' + NS_BIND
                        + '"><resource>fake-meet-' + Math.random().toString(36).slice(2, 10) + '</resource></bind></iq>');
                }
            } else if (element.localName === 'success') {
                self.authenticated = true;
                self.open();
            } else if (element.localName === 'failure' && element.namespaceURI === NS_SASL) {
                var condition = element.firstElementChild ? element.firstElementChild.localName : 'unknown';
                self.failed = true;
                callback(null, 'authentication failed: ' + condition);
                self.socket.close();
            } else if (element.localName === 'iq' && element.getAttribute('id') === 'bind-1') {
                var bound = element.getElementsByTagName('jid')[0];
                if (element.getAttribute('type') === 'result' && bound) {
                    self.jid = bound.textContent;
                    callback(self.jid, null);
                } else {
                    callback(null, 'resource binding failed');
                }
            } else if (element.localName === 'iq') {
                self.answerIq(element);
            } else {
                self.handlers.forEach(function (handler) { handler(element); });
            }
        };
    };
    /** Answers what nobody here handles, as a client must: pings with a result, anything else with an error. */
    Xmpp.prototype.answerIq = function (iq) {
        var type = iq.getAttribute('type');
        if (type !== 'get' && type !== 'set') {
            return;
        }
        var reply = '<iq xmlns="' + NS_CLIENT + '" to="' + escape(iq.getAttribute('from') || '') + '" id="'
            + escape(iq.getAttribute('id') || '') + '"';
        if (child(iq, 'ping', 'urn:xmpp:ping')) {
            this.send(reply + ' type="result"/>');
        } else {
            this.send(reply + ' type="error"><error type="cancel"><service-unavailable'
                + ' xmlns="urn:ietf:params:xml:ns:xmpp-stanzas"/></error></iq>');
        }
    };

    // ---- Presence in the room: members, their media, and the recorder's own join ----

    function readMember(presence) {
        var member = {
            from: presence.getAttribute('from'),
            nick: '',
            role: 'none',
            jid: undefined,
            identity: undefined,
            features: [],
            hasMedia: false,
            audioMuted: false,
            videoMuted: false,
            statsID: undefined
        };
        for (var node = presence.firstElementChild; node; node = node.nextElementSibling) {
            switch (node.localName) {
            case 'x':
                if (node.namespaceURI === NS_MUC_USER) {
                    var item = child(node, 'item');
                    if (item) {
                        member.jid = item.getAttribute('jid') || undefined;
                        member.role = item.getAttribute('role') || 'none';
                    }
                }
                break;
            case 'nick':
                member.nick = node.textContent;
                break;
            case 'stats-id':
                member.statsID = node.textContent;
                break;
            case 'audiomuted':
                member.audioMuted = node.textContent === 'true';
                break;
            case 'videomuted':
                member.videoMuted = node.textContent === 'true';
                break;
            case 'test-media':
                member.hasMedia = node.namespaceURI === NS_TEST;
                break;
            case 'features':
                for (var feature = node.firstElementChild; feature; feature = feature.nextElementSibling) {
                    member.features.push(feature.getAttribute('var'));
                }
                break;
            case 'identity':
                member.identity = readIdentity(node);
                break;
            }
        }
        // As lib-jitsi-meet: hidden when the occupant's real JID is on the hidden domain; without a visible JID,
        // an occupant announcing the recorder feature is taken as hidden.
        member.isHiddenDomain = member.jid ? domainOf(member.jid) === config.hiddenDomain
            : member.features.indexOf(FEATURE_JIBRI) >= 0;
        member.isFocus = !!member.jid && bareOf(member.jid) === config.focusUserJid;
        return member;
    }

    function readIdentity(node) {
        var identity = {};
        for (var part = node.firstElementChild; part; part = part.nextElementSibling) {
            if (part.localName === 'user') {
                identity.user = {};
                for (var field = part.firstElementChild; field; field = field.nextElementSibling) {
                    identity.user[field.localName] = field.textContent;
                }
            } else if (part.localName === 'group') {
                identity.group = part.textContent;
            }
        }
        return identity;
    }

    function hasStatus(presence, code) {
        var x = child(presence, 'x', NS_MUC_USER);
        if (!x) {
            return false;
        }
        for (var node = x.firstElementChild; node; node = node.nextElementSibling) {
            if (node.localName === 'status' && node.getAttribute('code') === code) {
                return true;
            }
        }
        return false;
    }

    function onPresence(room, presence) {
        var from = presence.getAttribute('from');
        if (!from || bareOf(from) !== room.roomjid) {
            return;
        }
        var type = presence.getAttribute('type');
        if (type === 'error') {
            var error = child(presence, 'error');
            var condition = error && error.firstElementChild ? error.firstElementChild.localName : 'unknown';
            status('could not join: ' + condition);
            return;
        }
        if (from === room.myroomjid) {
            if (type === 'unavailable') {
                room.joined = false;
                status(hasStatus(presence, '307') ? 'kicked' : 'left the meeting');
                return;
            }
            if (!room.joined) {
                room.joined = true;
                if (hasStatus(presence, '201')) {
                    // A new room: make it an instant room, as Jicofo would.
                    room.xmpp.send('<iq xmlns="' + NS_CLIENT + '" type="set" id="instant-1" to="'
                        + escape(room.roomjid) + '"><query xmlns="' + NS_MUC_OWNER
                        + '"><x xmlns="jabber:x:data" type="submit"/></query></iq>');
                }
                status('in the meeting ' + room.roomjid);
                startLoopbackSpeakers(room);
            }
            render();
            return;
        }
        var id = resourceOf(from);
        if (type === 'unavailable') {
            if (room.members[from]) {
                delete room.members[from];
                if (conference.participants[id]) {
                    delete conference.participants[id];
                    conference.emit('conference.userLeft', id);
                }
            }
            render();
            return;
        }
        var member = readMember(presence);
        var known = room.members[from];
        room.members[from] = member;
        if (member.isFocus) {
            return;
        }
        if (!conference.participants[id]) {
            var participant = new Participant(member);
            conference.participants[id] = participant;
            room.emit('xmpp.muc_member_joined', from, member.nick, member.role, member.isHiddenDomain, member.statsID,
                undefined, member.identity);
            conference.emit('conference.userJoined', id, participant);
        } else {
            conference.participants[id]._member = member;
            if (known && known.nick !== member.nick) {
                room.emit('xmpp.display_name_changed', from, member.nick);
                conference.emit('conference.displayNameChanged', id, member.nick);
            }
        }
        render();
    }

    // ---- Loopback speakers: real remote WebRTC audio tracks in lib-jitsi-meet's shape ----

    /** lib-jitsi-meet's JitsiRemoteTrack, for one remote audio track. */
    function RemoteTrack(participantId, stream) {
        Emitter.call(this);
        this._participantId = participantId;
        this.stream = stream;
        this.track = stream.getAudioTracks()[0];
        this._muted = false;
    }
    RemoteTrack.prototype = Object.create(Emitter.prototype);
    RemoteTrack.prototype.getType = function () { return 'audio'; };
    RemoteTrack.prototype.getTrack = function () { return this.track; };
    RemoteTrack.prototype.getOriginalStream = function () { return this.stream; };
    RemoteTrack.prototype.getParticipantId = function () { return this._participantId; };
    RemoteTrack.prototype.getSourceName = function () { return this._participantId + '-a0'; };
    RemoteTrack.prototype.getId = function () { return this.track.id; };
    RemoteTrack.prototype.isLocal = function () { return false; };
    RemoteTrack.prototype.isMuted = function () { return this._muted; };

    var BEEP_S = 0.3;
    var audioContext = null;

    /** An oscillator beeping at the speaker's pitch, as a local stream to send. */
    function toneStream(spec) {
        audioContext = audioContext || new AudioContext();
        var destination = audioContext.createMediaStreamDestination();
        var oscillator = audioContext.createOscillator();
        var gain = audioContext.createGain();
        oscillator.frequency.value = spec.hz;
        gain.gain.value = 0;
        oscillator.connect(gain).connect(destination);
        var start = audioContext.currentTime + (spec.beepOffsetMs || 0) / 1000;
        for (var i = 0; i < 900; i++) {
            gain.gain.setValueAtTime(0.5, start + i);
            gain.gain.setValueAtTime(0, start + i + BEEP_S);
        }
        oscillator.start();
        return destination.stream;
    }

    /** Sends the stream from one peer connection to another in this page; resolves with the remote track's stream. */
    function loopback(stream, silent) {
        var sending = new RTCPeerConnection();
        var receiving = new RTCPeerConnection();
        sending.onicecandidate = function (e) { if (e.candidate) { receiving.addIceCandidate(e.candidate); } };
        receiving.onicecandidate = function (e) { if (e.candidate) { sending.addIceCandidate(e.candidate); } };
        var sender = silent ? sending.addTransceiver('audio', { direction: 'sendonly' }).sender
            : sending.addTrack(stream.getAudioTracks()[0], stream);
        var arrived = new Promise(function (resolve) {
            receiving.ontrack = function (e) { resolve(new MediaStream([ e.track ])); };
        });
        return sending.createOffer()
            .then(function (offer) { return sending.setLocalDescription(offer); })
            .then(function () { return receiving.setRemoteDescription(sending.localDescription); })
            .then(function () { return receiving.createAnswer(); })
            .then(function (answer) { return receiving.setLocalDescription(answer); })
            .then(function () { return sending.setRemoteDescription(receiving.localDescription); })
            .then(function () { return arrived; })
            .then(function (remote) {
                return { remote: remote, sender: sender, close: function () { sending.close(); receiving.close(); } };
            });
    }

    function LoopbackSpeaker(room, spec, index) {
        this.room = room;
        this.spec = spec;
        this.index = index;
        this.joins = 0;
        this.present = null;
    }
    LoopbackSpeaker.prototype.join = function () {
        var self = this;
        var spec = this.spec;
        var id = 'loop' + this.index + 'j' + (++this.joins) + Math.random().toString(16).substring(2, 6);
        var member = { from: this.room.roomjid + '/' + id, nick: spec.name || '', role: 'participant', jid: undefined,
            identity: undefined, features: [], hasMedia: true, audioMuted: false, videoMuted: true,
            statsID: spec.statsId || ('stats-' + this.index), isHiddenDomain: false, isFocus: false };
        var participant = new Participant(member);
        participant._tracks = [];
        var joining = this.present = { id: id, participant: participant, link: null, audio: null, track: null };
        conference.participants[id] = participant;
        conference.emit('conference.userJoined', id, participant);
        render();
        var local = toneStream(spec);
        loopback(local, !!spec.silent).then(function (link) {
            if (self.present !== joining) {
                link.close();
                return;
            }
            joining.link = link;
            joining.local = local;
            var track = joining.track = new RemoteTrack(id, link.remote);
            participant._tracks = [ track ];
            var audio = joining.audio = new Audio();
            audio.srcObject = link.remote;
            audio.play();
            conference.emit('conference.trackAdded', track);
        }, function (error) {
            console.error('loopback of ' + spec.name + ' failed', error);
        });
    };
    LoopbackSpeaker.prototype.leave = function () {
        var leaving = this.present;
        if (!leaving) {
            return;
        }
        this.present = null;
        if (leaving.track) {
            conference.emit('conference.trackRemoved', leaving.track);
            leaving.audio.pause();
            leaving.audio.srcObject = null;
            leaving.link.close();
        }
        delete conference.participants[leaving.id];
        conference.emit('conference.userLeft', leaving.id, leaving.participant);
        render();
    };
    LoopbackSpeaker.prototype.mute = function (muted) {
        var now = this.present;
        if (!now || !now.track || now.track._muted === muted) {
            return;
        }
        now.track._muted = muted;
        now.participant._member.audioMuted = muted;
        // As jitsi-meet mutes: nothing is sent while muted.
        now.link.sender.replaceTrack(muted ? null : now.local.getAudioTracks()[0]);
        now.track.emit('track.trackMuteChanged', now.track);
        conference.emit('conference.trackMuteChanged', now.track);
        render();
    };

    function at(seconds, action) {
        if (seconds !== null && seconds !== undefined) {
            setTimeout(action, seconds * 1000);
        }
    }

    function startLoopbackSpeakers(room) {
        // A page that breaks a recorder's track capture (for tests of what survives it).
        at(config.capstanBreakTrackCaptureAt, function () {
            if (window._capstanTracks) {
                window._capstanTracks.queue = null;
                window._capstanTracks.finish = null;
            }
        });
        (config.capstanSpeakers || []).forEach(function (spec, index) {
            var speaker = new LoopbackSpeaker(room, spec, index + 1);
            (spec.present || [ [ 0, null ] ]).forEach(function (span) {
                at(span[0], function () { speaker.join(); });
                at(span[1], function () { speaker.leave(); });
            });
            (spec.muted || []).forEach(function (span) {
                at(span[0], function () { speaker.mute(true); });
                at(span[1], function () { speaker.mute(false); });
            });
        });
    }

    var COLOURS = [ '#c0392b', '#2980b9', '#27ae60', '#8e44ad', '#d35400', '#16a085' ];

    function render() {
        tiles.innerHTML = '';
        if (!conference) {
            return;
        }
        conference.getParticipants().filter(function (p) { return !p.isHidden(); }).forEach(function (p, index) {
            var tile = document.createElement('div');
            tile.className = 'tile' + (p.sendsMedia() ? '' : ' muted');
            tile.style.background = COLOURS[index % COLOURS.length];
            tile.textContent = p.getDisplayName() || p.getId();
            tiles.appendChild(tile);
        });
    }

    // ---- Start: the home page shows nothing; a meeting path joins its room ----

    var path = window.location.pathname;
    var segments = path.split('/').filter(function (segment) { return segment.length > 0; });
    if (path.charAt(path.length - 1) === '/' || segments.length < 2) {
        status('welcome');
        return;
    }
    var roomName = segments[segments.length - 1].toLowerCase();
    var login = storage.getItem('xmpp_username_override');
    var password = storage.getItem('xmpp_password_override');
    var displayName = storage.getItem('displayname');
    var domain = login ? login.substring(login.indexOf('@') + 1) : (config.hosts.anonymousdomain || config.hosts.domain);
    var xmpp = new Xmpp(config.websocket);
    status('connecting to ' + domain + (login ? ' as ' + login : ' as a guest'));
    xmpp.connect(login, password || '', domain, function (jid, error) {
        if (error) {
            status(error);
            return;
        }
        var nick = Math.random().toString(16).substring(2, 10);
        var room = new ChatRoom(xmpp, roomName + '@' + config.hosts.muc, nick);
        if (config.iAmRecorder) {
            room.presMap.push({ tagName: 'features', attributes: {},
                children: '<feature var="' + FEATURE_JIBRI + '"/>' });
        }
        if (displayName) {
            room.addOrReplaceInPresence('nick', { value: displayName,
                attributes: { xmlns: 'http://jabber.org/protocol/nick' } });
        }
        room.addOrReplaceInPresence('audiomuted', { value: String(!!config.startWithAudioMuted),
            attributes: { xmlns: 'http://jitsi.org/jitmeet/audio' } });
        room.addOrReplaceInPresence('videomuted', { value: String(!!config.startWithVideoMuted),
            attributes: { xmlns: 'http://jitsi.org/jitmeet/video' } });
        conference = new Conference(room);
        window.APP.conference._room = conference;
        xmpp.handlers.push(function (element) {
            if (element.localName === 'presence') {
                onPresence(room, element);
            }
        });
        xmpp.onclose = function () {
            room.joined = false;
        };
        status('joining ' + room.roomjid);
        room.join();
    });
}());
