package dev.capstan.scheduler.jibri;

import static dev.capstan.scheduler.jibri.JicofoClient.HEALTH_NS;
import static dev.capstan.scheduler.jibri.JicofoClient.JIBRI_NS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.fixture.ProsodyServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jivesoftware.smack.iqrequest.AbstractIqRequestHandler;
import org.jivesoftware.smack.iqrequest.IQRequestHandler.Mode;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Jicofo test client against a real Prosody and a fake Jibri (Capstan's own is tested elsewhere). */
class JicofoClientTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    static Path directory;
    static ProsodyServer prosody;

    private final List<AutoCloseable> opened = new ArrayList<>();

    @BeforeAll
    static void startProsody() throws Exception {
        prosody = ProsodyServer.start(directory);
    }

    @AfterAll
    static void stopProsody() {
        prosody.close();
    }

    @AfterEach
    void closeClients() throws Exception {
        for (AutoCloseable client : opened) {
            client.close();
        }
    }

    @Test
    void tracksOccupantsAndTheirLatestStatus() throws Exception {
        FakeJibri first = fakeJibri("jibri-1", status("idle", "healthy"));
        JicofoClient jicofo = jicofo();
        // Only busy-status: Jicofo's isAvailable() needs both children.
        FakeJibri second = fakeJibri("jibri-2", StandardExtensionElement.builder("jibri-status", JIBRI_NS)
                .addElement(StandardExtensionElement.builder("busy-status", JIBRI_NS)
                        .addAttribute("status", "idle").build())
                .build());

        assertThat(jicofo.awaitOccupants(2, WAIT)).containsOnlyKeys("jibri-1", "jibri-2");
        assertThat(jicofo.idleOccupants()).containsExactly("jibri-1");
        WireXml.assertElement(jicofo.occupants().get("jibri-1"), "<jibri-status xmlns='" + JIBRI_NS + "'>"
                + "<busy-status status='idle'/><health-status xmlns='" + HEALTH_NS + "' status='healthy'/>"
                + "</jibri-status>");

        first.publish(status("busy", "healthy"));
        jicofo.awaitStatus("jibri-1", "busy", "healthy", WAIT);
        assertThat(jicofo.idleOccupants()).isEmpty();

        second.close();
        assertThat(jicofo.awaitOccupants(1, WAIT)).containsOnlyKeys("jibri-1");
    }

    @Test
    void startAndStopReachTheJibriThroughItsOccupantJid() throws Exception {
        FakeJibri jibri = fakeJibri("jibri-1", status("idle", "healthy"));
        JicofoClient jicofo = jicofo();
        jicofo.awaitOccupants(1, WAIT);
        Map<String, String> attributes = JicofoClient.fileRecording("test@conference.localhost", "s-1");
        attributes.put("app_data", "{\"file_recording_metadata\":{\"share\":true,\"q\":\"a'b&c<d>\"}}");

        JicofoClient.Reply started = jicofo.start("jibri-1", attributes, JicofoClient.traceparent());

        assertThat(started.isResult()).as(started.xml()).isTrue();
        WireXml.assertElement(started.xml(), "<jibri xmlns='" + JIBRI_NS + "' status='pending'/>");
        assertThat(started.millis()).isLessThan(WAIT.toMillis());
        assertThat(jibri.requestsFrom).containsExactly(ProsodyServer.BREWERY + "/" + JicofoClient.NICK);

        JicofoClient.Reply stopped = jicofo.stop("jibri-1", Optional.of("s-1"));
        assertThat(stopped.isResult()).isTrue();
        assertThat(jibri.requestsFrom).hasSize(2);
    }

    @Test
    void statusIqsAreAcknowledgedAndKeptRaw() throws Exception {
        FakeJibri jibri = fakeJibri("jibri-1", status("idle", "healthy"));
        JicofoClient jicofo = jicofo();

        // Throws unless the client answered with a result.
        jibri.sendStatus(Map.of("status", "on"));

        JicofoClient.StatusUpdate update = jicofo.awaitUpdate("jibri-1",
                xml -> WireXml.containsElement(xml, "<jibri xmlns='" + JIBRI_NS + "' status='on'/>"), WAIT);
        assertThat(update.from()).isEqualTo(ProsodyServer.BREWERY + "/jibri-1");
        assertThat(update.jibri()).containsEntry("status", "on");
        assertThat(jicofo.received()).contains(update.xml());

        // Large stanzas arrive whole, and characters outside the BMP intact, however the socket chunks them.
        String note = "é€😀" + "x".repeat(100_000);
        jibri.sendStatus(Map.of("status", "off", "failure_reason", "error", "app_data", note));
        JicofoClient.StatusUpdate off = jicofo.awaitUpdate("jibri-1", xml -> xml.contains("'off'"), WAIT);
        assertThat(off.jibri()).containsEntry("app_data", note).containsEntry("failure_reason", "error");
    }

    @Test
    void unansweredAndUnroutableRequests() throws Exception {
        FakeJibri jibri = fakeJibri("jibri-1", status("idle", "healthy"));
        JicofoClient jicofo = jicofo();
        jicofo.awaitOccupants(1, WAIT);

        jibri.silent = true;
        JicofoClient.Reply ignored = jicofo.send("jibri-1",
                "<jibri xmlns='" + JIBRI_NS + "' action='start'/>", Duration.ofMillis(500));
        assertThat(ignored.timedOut()).as(ignored.xml()).isTrue();

        jibri.close();
        jicofo.awaitOccupants(0, WAIT);
        JicofoClient.Reply gone = jicofo.start("jibri-1", JicofoClient.fileRecording("r@conference.localhost", "s"));
        // Prosody's MUC answers for an occupant that left.
        assertThat(gone.type()).isEqualTo("error");
        WireXml.assertElement(gone.xml(), "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>");
    }

    @Test
    void prosodyCutsOffAStanzaOverItsSizeLimit() throws Exception {
        FakeJibri jibri = fakeJibri("jibri-1", status("idle", "healthy"));
        JicofoClient jicofo = jicofo();
        jicofo.awaitOccupants(1, WAIT);

        JicofoClient.Reply large = jicofo.start("jibri-1", Map.of("app_data", "x".repeat(200_000)));
        assertThat(large.isResult()).isTrue();

        JicofoClient.Reply huge = jicofo.start("jibri-1", Map.of("app_data", "x".repeat(300_000)));
        assertThat(huge.xml()).startsWith("<stream:error").contains("policy-violation", "stanza-too-big");
        assertThat(jibri.requestsFrom).hasSize(1);
    }

    private JicofoClient jicofo() throws Exception {
        JicofoClient client = JicofoClient.connect(prosody, ProsodyServer.BREWERY);
        opened.add(client);
        return client;
    }

    private FakeJibri fakeJibri(String nick, StandardExtensionElement status) throws Exception {
        FakeJibri jibri = new FakeJibri(nick, status);
        opened.add(jibri);
        return jibri;
    }

    private static StandardExtensionElement status(String busy, String health) {
        return StandardExtensionElement.builder("jibri-status", JIBRI_NS)
                .addElement(StandardExtensionElement.builder("busy-status", JIBRI_NS)
                        .addAttribute("status", busy).build())
                .addElement(StandardExtensionElement.builder("health-status", HEALTH_NS)
                        .addAttribute("status", health).build())
                .build();
    }

    /** Just enough of a Jibri: sits in the brewery, answers every request with pending unless silent. */
    private static final class FakeJibri implements AutoCloseable {
        volatile boolean silent;
        final List<String> requestsFrom = new CopyOnWriteArrayList<>();
        final XMPPTCPConnection connection;
        final EntityFullJid occupant;

        FakeJibri(String nick, StandardExtensionElement status) throws Exception {
            connection = new XMPPTCPConnection(prosody.connectionConfig(ProsodyServer.JIBRI_USER,
                    ProsodyServer.AUTH_DOMAIN, ProsodyServer.JIBRI_PASSWORD).build());
            connection.registerIQRequestHandler(new AbstractIqRequestHandler("jibri", JIBRI_NS, IQ.Type.set,
                    Mode.async) {
                @Override
                public IQ handleIQRequest(IQ request) {
                    if (silent) {
                        return null;
                    }
                    requestsFrom.add(request.getFrom().toString());
                    JibriIq pending = new JibriIq(Map.of("status", "pending"));
                    pending.setType(IQ.Type.result);
                    pending.setTo(request.getFrom());
                    pending.setStanzaId(request.getStanzaId());
                    return pending;
                }
            });
            connection.connect().login();
            occupant = JidCreate.entityFullFrom(ProsodyServer.BREWERY + "/" + nick);
            MultiUserChat brewery = MultiUserChatManager.getInstanceFor(connection)
                    .getMultiUserChat(occupant.asEntityBareJid());
            MultiUserChat.MucCreateConfigFormHandle created = brewery.createOrJoin(brewery
                    .getEnterConfigurationBuilder(Resourcepart.from(nick))
                    .withPresence(presence -> presence.addExtension(status))
                    .build());
            if (created != null) {
                created.makeInstant();
            }
        }

        void publish(StandardExtensionElement status) throws Exception {
            connection.sendStanza(connection.getStanzaFactory().buildPresenceStanza()
                    .to(occupant).addExtension(status).build());
        }

        /** A status IQ to focus's occupant JID, as Jibri sends them; throws unless answered with a result. */
        void sendStatus(Map<String, String> attributes) throws Exception {
            JibriIq update = new JibriIq(attributes);
            update.setType(IQ.Type.set);
            update.setTo(JidCreate.entityFullFrom(ProsodyServer.BREWERY + "/" + JicofoClient.NICK));
            connection.createStanzaCollectorAndSend(update).nextResultOrThrow(WAIT.toMillis());
        }

        @Override
        public void close() {
            connection.disconnect();
        }
    }

    /** An empty {@code <jibri/>} with the given attributes. */
    private static final class JibriIq extends IQ {
        private final Map<String, String> attributes;

        JibriIq(Map<String, String> attributes) {
            super("jibri", JIBRI_NS);
            this.attributes = attributes;
        }

        @Override
        protected IQChildElementXmlStringBuilder getIQChildElementBuilder(IQChildElementXmlStringBuilder xml) {
            attributes.forEach(xml::attribute);
            xml.setEmptyElement();
            return xml;
        }
    }
}
