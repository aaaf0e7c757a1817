package dev.capstan.scheduler.jibri;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.AbstractXMPPConnection;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.ConnectionListener;
import org.jivesoftware.smack.ReconnectionManager;
import org.jivesoftware.smack.SmackException;
import org.jivesoftware.smack.StanzaCollector;
import org.jivesoftware.smack.XMPPConnection;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.filter.AndFilter;
import org.jivesoftware.smack.filter.FromMatchesFilter;
import org.jivesoftware.smack.filter.StanzaTypeFilter;
import org.jivesoftware.smack.iqrequest.AbstractIqRequestHandler;
import org.jivesoftware.smack.iqrequest.IQRequestHandler;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.Stanza;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.parsing.ExceptionLoggingCallback;
import org.jivesoftware.smack.provider.ProviderManager;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smack.util.TLSUtils;
import org.jivesoftware.smackx.muc.packet.MUCInitialPresence;
import org.jivesoftware.smackx.muc.packet.MUCOwner;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.jivesoftware.smackx.ping.PingManager;
import org.jivesoftware.smackx.xdata.packet.DataForm;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Jibri as Jicofo sees it: a connection with the control login that sits in the brewery under its own nick,
 * publishes {@code <jibri-status>} and takes at most one session at a time. A node runs one per slot and XMPP host,
 * so an unmodified Jicofo, which allocates per occupant, sees a pool of Jibris.
 *
 * <p>When the connection drops it reconnects every second and joins the brewery again with its current status;
 * a session it runs carries on meanwhile (Jibri would stop it), and status updates wait in an outbox until they
 * can be delivered to Jicofo.
 */
final class BreweryOccupant implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(BreweryOccupant.class);
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STATUS_ACK_TIMEOUT = Duration.ofSeconds(10);
    /** A status update older than this is stale for Jicofo (its own pending timeout is 90 s); it is dropped. */
    private static final Duration STATUS_MAX_AGE = Duration.ofMinutes(10);
    private static final Duration RECONNECT_DELAY = Duration.ofSeconds(1);

    static {
        ProviderManager.addIQProvider(JibriIq.ELEMENT, JibriIq.NAMESPACE, new JibriIqProvider());
    }

    /** What the occupant asks of the service behind it. */
    interface Requests {

        /** Answers a start at once: pending, busy or a failure. Nothing about the session is sent before it. */
        JibriIq start(BreweryOccupant occupant, JibriRequest.Start start, Jid requester) throws MalformedRequestException;

        /** Stops this occupant's session; completes with the answer once the capture has ended. */
        CompletableFuture<JibriIq> stop(BreweryOccupant occupant, JibriRequest.Stop stop);
    }

    /** Where the occupant connects and which brewery it joins. */
    record Address(String environment, String host, int port, String xmppDomain, String username, String password,
            SecurityMode securityMode, boolean trustAllCertificates, EntityBareJid brewery, Resourcepart nick) {

        String describe() {
            return environment + "/" + host + ":" + port + " " + brewery + "/" + nick;
        }
    }

    private record Outgoing(Jid to, JibriIq status, Instant queuedAt) {
    }

    private final Address address;
    private final Requests requests;
    private final ObjectMapper json;
    private final AbstractXMPPConnection connection;
    private final Deque<Outgoing> outbox = new ArrayDeque<>();
    private final Thread worker;
    private JibriStatus status;
    private volatile boolean joined;
    private volatile boolean closed;
    /** Set while a start is being answered: its status updates must not overtake the answer. */
    private boolean answering;
    private volatile Instant lastJoined;
    private boolean everAuthenticated;

    BreweryOccupant(Address address, JibriStatus initial, Requests requests, ObjectMapper json) throws IOException {
        this.address = address;
        this.requests = requests;
        this.json = json;
        this.status = initial;
        this.connection = new XMPPTCPConnection(configuration(address));
        connection.setParsingExceptionCallback(new ExceptionLoggingCallback());
        Roster.getInstanceFor(connection).setRosterLoadedAtLogin(false);
        PingManager.getInstanceFor(connection).setPingInterval(30);
        ReconnectionManager reconnection = ReconnectionManager.getInstanceFor(connection);
        reconnection.setReconnectionPolicy(ReconnectionManager.ReconnectionPolicy.FIXED_DELAY);
        reconnection.setFixedDelay((int) RECONNECT_DELAY.toSeconds());
        reconnection.enableAutomaticReconnection();
        connection.addConnectionListener(new ConnectionListener() {
            @Override
            public void authenticated(XMPPConnection c, boolean resumed) {
                wakeWorker();
            }

            @Override
            public void connectionClosedOnError(Exception e) {
                joined = false;
                log.warn("jibri {}: connection lost ({}); reconnecting", address.describe(), e.getMessage());
            }

            @Override
            public void connectionClosed() {
                joined = false;
            }
        });
        connection.registerIQRequestHandler(new AbstractIqRequestHandler(JibriIq.ELEMENT, JibriIq.NAMESPACE,
                IQ.Type.set, IQRequestHandler.Mode.async) {
            @Override
            public IQ handleIQRequest(IQ request) {
                return handle(request);
            }
        });
        worker = new Thread(this::work, "jibri-" + address.nick());
        worker.setDaemon(true);
    }

    private static XMPPTCPConnectionConfiguration configuration(Address address) throws IOException {
        XMPPTCPConnectionConfiguration.Builder builder = XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain(address.xmppDomain())
                .setHostAddress(InetAddress.getByName(address.host()))
                .setPort(address.port())
                .setUsernameAndPassword(address.username(), address.password())
                .setSecurityMode(address.securityMode())
                .setSendPresence(false)
                .setConnectTimeout(5000);
        if (address.trustAllCertificates()) {
            TLSUtils.acceptAllCertificates(builder);
            TLSUtils.disableHostnameVerificationForTlsCertificates(builder);
        }
        return builder.build();
    }

    void start() {
        worker.start();
    }

    Address address() {
        return address;
    }

    String nick() {
        return address.nick().toString();
    }

    boolean isJoined() {
        return joined;
    }

    java.util.Optional<Instant> lastJoined() {
        return java.util.Optional.ofNullable(lastJoined);
    }

    synchronized JibriStatus status() {
        return status;
    }

    /** Publishes a new status in the brewery, if it changed. */
    void publish(JibriStatus next) {
        synchronized (this) {
            if (next.equals(status)) {
                return;
            }
            status = next;
        }
        if (joined) {
            try {
                connection.sendStanza(presence(next, false));
                log.debug("jibri {}: {}", address.describe(), next);
            } catch (SmackException.NotConnectedException | InterruptedException e) {
                // The rejoin after the reconnect carries the current status.
                log.debug("jibri {}: status {} waits for the reconnect", address.describe(), next);
            }
        }
    }

    /** Queues a status update for Jicofo; it is delivered in order, after a reconnect if need be. */
    void sendStatus(Jid to, JibriIq status) {
        synchronized (this) {
            outbox.addLast(new Outgoing(to, status, Instant.now()));
            notifyAll();
        }
    }

    private synchronized void wakeWorker() {
        notifyAll();
    }

    private IQ handle(IQ request) {
        if (!(request instanceof JibriIq)) {
            return IQ.createErrorResponse(request, StanzaError.getBuilder(StanzaError.Condition.bad_request)
                    .setDescriptiveEnText("not a Jibri request").build());
        }
        JibriIq iq = (JibriIq) request;
        JibriRequest parsed;
        try {
            parsed = JibriRequest.parse(iq, json);
        } catch (MalformedRequestException e) {
            log.warn("jibri {}: refused a request from {}: {}", address.describe(), iq.getFrom(), e.getMessage());
            return error(iq, e.getMessage());
        }
        if (parsed instanceof JibriRequest.Stop) {
            requests.stop(this, (JibriRequest.Stop) parsed).whenComplete((answer, failure) -> {
                JibriIq reply = answer != null ? answer : JibriIq.status(JibriIq.Status.OFF);
                send(answerTo(iq, reply));
            });
            return null;
        }
        synchronized (this) {
            answering = true;
        }
        try {
            JibriIq answer;
            try {
                answer = requests.start(this, (JibriRequest.Start) parsed, iq.getFrom());
            } catch (MalformedRequestException e) {
                log.warn("jibri {}: refused a start from {}: {}", address.describe(), iq.getFrom(), e.getMessage());
                return error(iq, e.getMessage());
            }
            send(answerTo(iq, answer));
            return null;
        } finally {
            synchronized (this) {
                answering = false;
                notifyAll();
            }
        }
    }

    private static IQ error(JibriIq request, String text) {
        return IQ.createErrorResponse(request, StanzaError.getBuilder(StanzaError.Condition.bad_request)
                .setDescriptiveEnText(text).build());
    }

    private static JibriIq answerTo(JibriIq request, JibriIq answer) {
        answer.setType(IQ.Type.result);
        answer.setTo(request.getFrom());
        answer.setFrom(request.getTo());
        answer.setStanzaId(request.getStanzaId());
        return answer;
    }

    private void send(Stanza stanza) {
        try {
            connection.sendStanza(stanza);
        } catch (SmackException.NotConnectedException | InterruptedException e) {
            log.warn("jibri {}: could not answer {}: {}", address.describe(), stanza.getTo(), e.getMessage());
        }
    }

    /** Connects, joins and rejoins, and delivers status updates; one thread per occupant. */
    private void work() {
        while (!closed) {
            try {
                // After the first login Smack's reconnection manager brings the connection back; until then, we do.
                if (!everAuthenticated) {
                    connect();
                    everAuthenticated = true;
                }
                if (connection.isAuthenticated() && !joined) {
                    join();
                }
                if (joined) {
                    deliverStatus();
                }
                synchronized (this) {
                    if (!closed && (!joined || outbox.isEmpty() || answering)) {
                        wait(RECONNECT_DELAY.toMillis());
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | IOException | SmackException | XMPPException e) {
                log.warn("jibri {}: {}; trying again in {} s", address.describe(), e.getMessage(),
                        RECONNECT_DELAY.toSeconds());
                sleepQuietly(RECONNECT_DELAY);
            }
        }
    }

    private void connect() throws IOException, SmackException, XMPPException, InterruptedException {
        if (!connection.isConnected()) {
            connection.connect();
        }
        if (!connection.isAuthenticated()) {
            connection.login();
        }
    }

    /** Enters the brewery with the current status, making the room instant if this occupant created it. */
    private void join() throws IOException, SmackException, XMPPException, InterruptedException {
        EntityFullJid self = JidCreate.entityFullFrom(address.brewery(), address.nick());
        Presence presence;
        synchronized (this) {
            presence = presence(status, true);
        }
        StanzaCollector collector = connection.createStanzaCollectorAndSend(
                new AndFilter(StanzaTypeFilter.PRESENCE, FromMatchesFilter.createFull(self)), presence);
        Presence reply;
        try {
            reply = collector.nextResult(JOIN_TIMEOUT.toMillis());
        } finally {
            collector.cancel();
        }
        if (reply == null) {
            throw new IOException("the brewery did not answer joining as " + self + " within "
                    + JOIN_TIMEOUT.toSeconds() + " s");
        }
        if (reply.getType() == Presence.Type.error) {
            throw new XMPPException.XMPPErrorException(reply, reply.getError());
        }
        MUCUser user = MUCUser.from(reply);
        if (user != null && user.getStatus().contains(MUCUser.Status.ROOM_CREATED_201)) {
            MUCOwner instant = new MUCOwner();
            instant.setTo(address.brewery());
            instant.setType(IQ.Type.set);
            instant.addExtension(DataForm.builder(DataForm.Type.submit).build());
            connection.createStanzaCollectorAndSend(instant).nextResultOrThrow();
        }
        joined = true;
        lastJoined = Instant.now();
        log.info("jibri {}: in the brewery as {} ({})", address.describe(), address.nick(), status());
    }

    private Presence presence(JibriStatus current, boolean joining) {
        Presence presence = connection.getStanzaFactory().buildPresenceStanza()
                .to(JidCreate.entityFullFrom(address.brewery(), address.nick()))
                .build();
        if (joining) {
            presence.addExtension(new MUCInitialPresence(null, -1, -1, -1, null));
        }
        presence.addExtension(current);
        return presence;
    }

    /** Sends queued status updates in order, each acknowledged by Jicofo before the next. */
    private void deliverStatus() throws InterruptedException {
        while (true) {
            Outgoing next;
            synchronized (this) {
                if (answering || outbox.isEmpty()) {
                    return;
                }
                next = outbox.peekFirst();
            }
            if (Duration.between(next.queuedAt(), Instant.now()).compareTo(STATUS_MAX_AGE) > 0) {
                log.warn("jibri {}: dropping a status update for {} that could not be sent for {} min",
                        address.describe(), next.to(), STATUS_MAX_AGE.toMinutes());
                removeFirst(next);
                continue;
            }
            JibriIq iq = JibriIq.copyOf(next.status());
            iq.setType(IQ.Type.set);
            iq.setTo(next.to());
            try {
                connection.createStanzaCollectorAndSend(iq).nextResultOrThrow(STATUS_ACK_TIMEOUT.toMillis());
                removeFirst(next);
            } catch (XMPPException.XMPPErrorException e) {
                // Jicofo answered, only not happily (its session is gone, say): resending will not change that.
                log.info("jibri {}: {} answered a status update with {}", address.describe(), next.to(),
                        e.getStanzaError().getCondition());
                removeFirst(next);
            } catch (SmackException.NotConnectedException | SmackException.NoResponseException e) {
                log.info("jibri {}: status update for {} waits for the connection", address.describe(), next.to());
                return;
            }
        }
    }

    private synchronized void removeFirst(Outgoing sent) {
        if (outbox.peekFirst() == sent) {
            outbox.removeFirst();
        }
    }

    private static void sleepQuietly(Duration duration) {
        try {
            TimeUnit.MILLISECONDS.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        ReconnectionManager.getInstanceFor(connection).disableAutomaticReconnection();
        connection.disconnect();
    }
}
