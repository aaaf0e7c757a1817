package dev.capstan.scheduler.jibri;

import static org.awaitility.Awaitility.await;

import dev.capstan.recorder.fixture.ProsodyServer;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.net.SocketFactory;
import org.awaitility.core.ConditionTimeoutException;
import org.jivesoftware.smack.SmackException;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.iqrequest.AbstractIqRequestHandler;
import org.jivesoftware.smack.iqrequest.IQRequestHandler.Mode;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Nonza;
import org.jivesoftware.smack.packet.XmlEnvironment;
import org.jivesoftware.smack.parsing.ExceptionLoggingCallback;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.util.StringUtils;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.jxmpp.xml.splitter.XmppElementCallback;
import org.jxmpp.xml.splitter.XmppXmlSplitter;
import org.w3c.dom.Element;

/**
 * Plays Jicofo's part of the Jibri protocol (jibri.md §1.4–1.8, §11) as focus@auth in the brewery, and keeps every
 * stanza it receives as the raw XML that came off the socket, so tests assert the wire rather than Smack's objects
 * (the app under test registers its own providers for the same elements in this JVM).
 *
 * <p>Requests are written raw too, so attribute order and escaping are exactly what the test says; answers are
 * matched by id from the raw stream. Status IQs from Jibris are acknowledged with an empty result, like Jicofo.
 *
 * <p>What arrives is Prosody's serialization, not the sender's: Prosody parses every stanza and writes it anew, so
 * attribute order and quoting are its own (and it adds {@code xml:lang}). It also replaces the id of an IQ it routes
 * through an occupant JID (base64 of the target's real JID, the original id and an HMAC) and restores it on the reply.
 */
public final class JicofoClient implements AutoCloseable {

    public static final String JIBRI_NS = "http://jitsi.org/protocol/jibri";
    public static final String HEALTH_NS = "http://jitsi.org/protocol/health";
    public static final String NICK = "focus";
    /** Jicofo's {@code xmpp.client.reply-timeout}: how long it waits for the answer to a start. */
    public static final Duration REPLY_TIMEOUT = Duration.ofSeconds(15);

    private static final SecureRandom RANDOM = new SecureRandom();
    /** How soon an await sees what arrived. */
    private static final Duration POLL_INTERVAL = Duration.ofMillis(20);

    private final String brewery;
    private final XMPPTCPConnection connection;
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final Map<String, String> occupants = new LinkedHashMap<>();
    private final List<StatusUpdate> updates = new CopyOnWriteArrayList<>();
    private final List<BusyChange> busyChanges = new CopyOnWriteArrayList<>();
    private final Map<String, CompletableFuture<Arrival>> awaitingAnswer = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final Object occupantsLock = new Object();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    // Prosody takes at most 256 KiB from a client, so no stanza it relays is near this.
    private final XmppXmlSplitter splitter = new XmppXmlSplitter(1 << 20, new XmppElementCallback() {
        @Override
        public void onCompleteElement(String element) {
            onStanza(element.strip(), System.nanoTime());
        }

        @Override
        public void streamOpened(String prefix, Map<String, String> attributes) {
        }

        @Override
        public void streamClosed() {
        }
    });
    // Not jxmpp's Utf8ByteXmppXmlSplitter: it garbles characters outside the BMP.
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer undecoded = ByteBuffer.allocate(0);

    /** The answer to a request: the raw IQ result or error, a raw stream error if Prosody cut us off, or null. */
    public record Reply(String xml, long millis) {

        public boolean timedOut() {
            return xml == null;
        }

        /** {@code result} or {@code error}; null after a time-out or a stream error. */
        public String type() {
            return xml == null || !xml.startsWith("<iq") ? null : WireXml.parse(xml).getAttribute("type");
        }

        public boolean isResult() {
            return "result".equals(type());
        }

        /** The attributes of the answer's {@code <jibri/>} element. */
        public Map<String, String> jibri() {
            return WireXml.attributesOf(xml, "jibri");
        }
    }

    /** A status IQ a Jibri sent (type set, a {@code <jibri/>} child), as received; nick is the full JID if not ours. */
    /** An occupant's presence turning to another {@code busy-status} (its first presence counts too). */
    public record BusyChange(String nick, String busy, Instant at) {
    }

    public record StatusUpdate(String from, String nick, String xml, Instant at) {

        public Map<String, String> jibri() {
            return WireXml.attributesOf(xml, "jibri");
        }
    }

    private record Arrival(String xml, long nanos) {
    }

    private JicofoClient(String brewery, ProsodyServer prosody) {
        this.brewery = brewery;
        this.connection = new XMPPTCPConnection(prosody
                .connectionConfig(ProsodyServer.FOCUS_USER, ProsodyServer.AUTH_DOMAIN, ProsodyServer.FOCUS_PASSWORD)
                .setSocketFactory(new TappingSocketFactory())
                .build());
    }

    /** Logs in as focus@auth and joins (creating if need be) the brewery with nick {@value #NICK}. */
    public static JicofoClient connect(ProsodyServer prosody, String breweryJid)
            throws IOException, InterruptedException, SmackException, XMPPException {
        EntityBareJid room = JidCreate.entityBareFrom(breweryJid);
        JicofoClient client = new JicofoClient(room.toString(), prosody);
        XMPPTCPConnection connection = client.connection;
        // A provider of the app under test failing on a stanza must not cost us the connection.
        connection.setParsingExceptionCallback(new ExceptionLoggingCallback());
        // Status IQs are acknowledged from the raw stream (onStanza); this only keeps Smack from answering too.
        connection.registerIQRequestHandler(new AbstractIqRequestHandler("jibri", JIBRI_NS, IQ.Type.set, Mode.sync) {
            @Override
            public IQ handleIQRequest(IQ request) {
                return null;
            }
        });
        connection.connect().login();
        MultiUserChat muc = MultiUserChatManager.getInstanceFor(connection).getMultiUserChat(room);
        MultiUserChat.MucCreateConfigFormHandle created = muc.createOrJoin(Resourcepart.from(NICK));
        if (created != null) {
            created.makeInstant();
        }
        return client;
    }

    public String brewery() {
        return brewery;
    }

    /** Jicofo's start request to {@code nick}: {@code action='start'} then {@code attributes} in their order. */
    public Reply start(String nick, Map<String, String> attributes, String... extraChildrenXml) {
        if (attributes.containsKey("action")) {
            throw new IllegalArgumentException("start writes action='start' itself");
        }
        Map<String, String> all = new LinkedHashMap<>();
        all.put("action", "start");
        all.putAll(attributes);
        return send(nick, jibriElement(all, extraChildrenXml));
    }

    /**
     * Jicofo's stop. The newest Jicofo does not wait for the answer; this does, so tests can look at it (for fire and
     * forget, {@link #send(String, String, Duration)} with {@link Duration#ZERO}).
     */
    public Reply stop(String nick, Optional<String> sessionId, String... extraChildrenXml) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("action", "stop");
        sessionId.ifPresent(id -> attributes.put("session_id", id));
        return send(nick, jibriElement(attributes, extraChildrenXml));
    }

    /**
     * Any {@code <jibri/>} element, written as given: for unknown actions, missing attributes, huge values. It must be
     * well-formed XML, or Prosody closes our stream ({@code not-well-formed}); so must stay under
     * {@link ProsodyServer#STANZA_SIZE_LIMIT} ({@code policy-violation}). Either way the reply is that stream error.
     */
    public Reply send(String nick, String rawJibriElementXml) {
        return send(nick, rawJibriElementXml, REPLY_TIMEOUT);
    }

    public Reply send(String nick, String rawJibriElementXml, Duration timeout) {
        String id = "focus-" + ids.incrementAndGet() + "-" + Long.toHexString(RANDOM.nextLong());
        CompletableFuture<Arrival> answer = new CompletableFuture<>();
        awaitingAnswer.put(id, answer);
        long sent = System.nanoTime();
        sendRaw("<iq type='set' id='" + id + "' to='" + StringUtils.escapeForXmlAttribute(brewery + "/" + nick) + "'>"
                + rawJibriElementXml + "</iq>");
        try {
            Arrival arrival = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Reply(arrival.xml(), TimeUnit.NANOSECONDS.toMillis(arrival.nanos() - sent));
        } catch (TimeoutException e) {
            return new Reply(null, timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + id, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            awaitingAnswer.remove(id);
        }
    }

    /** The attributes §11.2 saw from a current Jicofo for a file recording, in its order; add {@code app_data}. */
    public static Map<String, String> fileRecording(String room, String sessionId) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("recording_mode", "file");
        attributes.put("room", room);
        attributes.put("session_id", sessionId);
        attributes.put("rtcstats_enabled", "false");
        return attributes;
    }

    /** The OpenTelemetry child a current Jicofo adds to start and stop, with fresh ids. */
    public static String traceparent() {
        HexFormat hex = HexFormat.of();
        byte[] trace = new byte[16];
        byte[] parent = new byte[8];
        RANDOM.nextBytes(trace);
        RANDOM.nextBytes(parent);
        return "<traceparent xmlns='jitsi:opentelemetry' trace_id='" + hex.formatHex(trace)
                + "' trace_flags='01' parent_id='" + hex.formatHex(parent) + "'/>";
    }

    /** Occupant nick → raw XML of its latest presence carrying {@code <jibri-status/>}; occupants that left are gone. */
    public Map<String, String> occupants() {
        synchronized (occupantsLock) {
            return new LinkedHashMap<>(occupants);
        }
    }

    /** Nicks whose latest status is idle and healthy, both children present: Jicofo's {@code isAvailable()}. */
    public List<String> idleOccupants() {
        List<String> idle = new ArrayList<>();
        occupants().forEach((nick, presence) -> {
            if ("idle".equals(busyStatus(presence)) && "healthy".equals(healthStatus(presence))) {
                idle.add(nick);
            }
        });
        return idle;
    }

    /** Waits until at least {@code count} occupants are idle and healthy; returns their nicks. */
    public List<String> awaitIdleOccupants(int count, Duration timeout) {
        return awaitValue(() -> {
            List<String> idle = idleOccupants();
            return idle.size() >= count ? idle : null;
        }, timeout, () -> count + " idle occupants, have " + occupants());
    }

    /** Waits until exactly {@code count} occupants have published a status. */
    public Map<String, String> awaitOccupants(int count, Duration timeout) {
        return awaitValue(() -> {
            Map<String, String> now = occupants();
            return now.size() == count ? now : null;
        }, timeout, () -> count + " brewery occupants with a jibri-status, have " + occupants().keySet());
    }

    /** Waits until {@code nick}'s latest presence says this busy status and health; returns that raw presence. */
    public String awaitStatus(String nick, String busy, String health, Duration timeout) {
        return awaitValue(() -> {
            String presence = occupants().get(nick);
            boolean matches = presence != null && busy.equals(busyStatus(presence))
                    && health.equals(healthStatus(presence));
            return matches ? presence : null;
        }, timeout, () -> nick + " busy=" + busy + " health=" + health + ", latest: " + occupants().get(nick));
    }

    /** The {@code busy-status} of a raw brewery presence (null if missing), read as Jicofo's parser does. */
    public static String busyStatus(String presence) {
        return statusChild(presence, "busy-status", JIBRI_NS);
    }

    public static String healthStatus(String presence) {
        return statusChild(presence, "health-status", HEALTH_NS);
    }

    private static String statusChild(String presence, String name, String namespace) {
        Element status = WireXml.child(WireXml.parse(presence), "jibri-status", JIBRI_NS);
        Element child = status == null ? null : WireXml.child(status, name, namespace);
        return child == null || !child.hasAttribute("status") ? null : child.getAttribute("status");
    }

    /** Every turn of an occupant's busy status seen so far, in arrival order. */
    public List<BusyChange> busyChanges() {
        return List.copyOf(busyChanges);
    }

    /** Every status IQ received so far, in arrival order. */
    public List<StatusUpdate> updates() {
        return List.copyOf(updates);
    }

    /** The first status IQ (already received or still to come) from {@code fromNick} whose raw XML matches. */
    public StatusUpdate awaitUpdate(String fromNick, Predicate<String> rawXmlMatcher, Duration timeout) {
        return awaitValue(() -> updates.stream()
                        .filter(update -> fromNick.equals(update.nick()) && rawXmlMatcher.test(update.xml()))
                        .findFirst().orElse(null),
                timeout, () -> "a matching status IQ from " + fromNick + ", have " + updates);
    }

    /** Every stanza (and other top-level element) received, raw, in order. */
    public List<String> received() {
        return List.copyOf(received);
    }

    /** Writes raw XML onto the stream, for whatever the typed helpers cannot express. */
    public void sendRaw(String xml) {
        try {
            connection.sendNonza(new RawXml(xml));
        } catch (SmackException.NotConnectedException | InterruptedException e) {
            throw new IllegalStateException("cannot send " + xml, e);
        }
    }

    @Override
    public void close() {
        connection.disconnect();
    }

    private void onStanza(String xml, long nanos) {
        received.add(xml);
        try {
            if (xml.startsWith("<stream:error")) {
                // Prosody closes the stream (say, a stanza over its size limit): whoever waits gets to see why.
                awaitingAnswer.values().forEach(answer -> answer.complete(new Arrival(xml, nanos)));
            } else if (xml.startsWith("<iq")) {
                onIq(xml, nanos);
            } else if (xml.startsWith("<presence")) {
                onPresence(xml);
            }
        } catch (RuntimeException e) {
            received.add("<!-- could not handle the stanza above: " + e + " -->");
        }
        listeners.forEach(Runnable::run);
    }

    /**
     * Runs {@code listener} after every stanza received, once it is in {@link #updates()}, {@link #occupants()} and
     * the rest. On the connection's reader thread: it must hand off anything that waits for an answer.
     */
    public void onReceived(Runnable listener) {
        listeners.add(listener);
    }

    private void onIq(String xml, long nanos) {
        Element iq = WireXml.parse(xml);
        String type = iq.getAttribute("type");
        if (type.equals("result") || type.equals("error")) {
            CompletableFuture<Arrival> answer = awaitingAnswer.get(iq.getAttribute("id"));
            if (answer != null) {
                answer.complete(new Arrival(xml, nanos));
            }
        } else if (type.equals("set") && WireXml.child(iq, "jibri", JIBRI_NS) != null) {
            String from = iq.getAttribute("from");
            String nick = breweryNick(from);
            updates.add(new StatusUpdate(from, nick == null ? from : nick, xml, Instant.now()));
            sendRaw("<iq type='result' to='" + StringUtils.escapeForXmlAttribute(from) + "' id='"
                    + StringUtils.escapeForXmlAttribute(iq.getAttribute("id")) + "'/>");
        }
    }

    private void onPresence(String xml) {
        Element presence = WireXml.parse(xml);
        String nick = breweryNick(presence.getAttribute("from"));
        if (nick == null || nick.equals(NICK)) {
            return;
        }
        synchronized (occupantsLock) {
            if ("unavailable".equals(presence.getAttribute("type"))) {
                occupants.remove(nick);
            } else if (WireXml.child(presence, "jibri-status", JIBRI_NS) != null) {
                String before = occupants.put(nick, xml);
                String busy = busyStatus(xml);
                if (before == null || !java.util.Objects.equals(busyStatus(before), busy)) {
                    busyChanges.add(new BusyChange(nick, busy, Instant.now()));
                }
            }
        }
    }

    /** The occupant nick of a brewery occupant JID, else null (room names compare case-blind, as Prosody's). */
    private String breweryNick(String jid) {
        int slash = jid.indexOf('/');
        return slash < 0 || !jid.substring(0, slash).equalsIgnoreCase(brewery) ? null : jid.substring(slash + 1);
    }

    /** Waits until {@code probe} gives a value (not null); on a timeout, says what it had and the last stanzas. */
    private <T> T awaitValue(Supplier<T> probe, Duration timeout, Supplier<String> what) {
        try {
            return await().atMost(timeout).pollDelay(Duration.ZERO).pollInterval(POLL_INTERVAL)
                    .until(probe::get, Objects::nonNull);
        } catch (ConditionTimeoutException e) {
            List<String> stanzas = received();
            throw new AssertionError("timed out after " + timeout + " waiting for " + what.get()
                    + "\nlast stanzas received:\n" + String.join("\n",
                    stanzas.subList(Math.max(0, stanzas.size() - 10), stanzas.size())), e);
        }
    }

    private static String jibriElement(Map<String, String> attributes, String... children) {
        StringBuilder xml = new StringBuilder("<jibri xmlns='").append(JIBRI_NS).append('\'');
        attributes.forEach((name, value) ->
                xml.append(' ').append(name).append("='").append(StringUtils.escapeForXmlAttribute(value)).append('\''));
        if (children.length == 0) {
            return xml.append("/>").toString();
        }
        xml.append('>');
        for (String child : children) {
            xml.append(child);
        }
        return xml.append("</jibri>").toString();
    }

    /** XML written to the stream as is. */
    private record RawXml(String xml) implements Nonza {
        @Override
        public String getElementName() {
            return "raw";
        }

        @Override
        public String getNamespace() {
            return "jabber:client";
        }

        @Override
        public CharSequence toXML(XmlEnvironment enclosingNamespace) {
            return xml;
        }
    }

    /** Gives Smack a socket whose incoming bytes also go to the splitter: the only place the raw XML survives. */
    private final class TappingSocketFactory extends SocketFactory {
        @Override
        public Socket createSocket() {
            return new Socket() {
                private InputStream tapped;

                @Override
                public synchronized InputStream getInputStream() throws IOException {
                    if (tapped == null) {
                        tapped = new FilterInputStream(super.getInputStream()) {
                            @Override
                            public int read() throws IOException {
                                int b = super.read();
                                if (b >= 0) {
                                    tap(new byte[] {(byte) b}, 0, 1);
                                }
                                return b;
                            }

                            @Override
                            public int read(byte[] buffer, int offset, int length) throws IOException {
                                int n = super.read(buffer, offset, length);
                                tap(buffer, offset, n);
                                return n;
                            }
                        };
                    }
                    return tapped;
                }
            };
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            Socket socket = createSocket();
            socket.connect(new InetSocketAddress(host, port));
            return socket;
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return createSocket(host, port);
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            Socket socket = createSocket();
            socket.connect(new InetSocketAddress(host, port));
            return socket;
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
                throws IOException {
            return createSocket(address, port);
        }
    }

    /** Called by Smack's reader thread with every chunk read; a character split across chunks waits for the next. */
    private synchronized void tap(byte[] buffer, int offset, int length) {
        if (length <= 0) {
            return;
        }
        ByteBuffer in = ByteBuffer.allocate(undecoded.remaining() + length);
        in.put(undecoded).put(buffer, offset, length).flip();
        CharBuffer chars = CharBuffer.allocate(in.remaining());
        utf8.decode(in, chars, false);
        undecoded = in;
        try {
            splitter.append(chars.flip());
        } catch (IOException | RuntimeException e) {
            received.add("<!-- capture failed: " + e + " -->");
        }
    }
}
