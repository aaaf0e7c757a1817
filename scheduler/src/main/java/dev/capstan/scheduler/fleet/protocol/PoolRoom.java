package dev.capstan.scheduler.fleet.protocol;

import dev.capstan.recorder.slot.PauseRefusedException;
import dev.capstan.scheduler.pool.FleetProperties;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jivesoftware.smack.AbstractXMPPConnection;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jivesoftware.smack.ConnectionListener;
import org.jivesoftware.smack.ReconnectionManager;
import org.jivesoftware.smack.SmackException;
import org.jivesoftware.smack.XMPPConnection;
import org.jivesoftware.smack.XMPPException;
import org.jivesoftware.smack.iqrequest.AbstractIqRequestHandler;
import org.jivesoftware.smack.iqrequest.IQRequestHandler;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StandardExtensionElement;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.provider.ProviderManager;
import org.jivesoftware.smack.roster.Roster;
import org.jivesoftware.smack.tcp.XMPPTCPConnection;
import org.jivesoftware.smack.tcp.XMPPTCPConnectionConfiguration;
import org.jivesoftware.smack.util.TLSUtils;
import org.jivesoftware.smackx.muc.MucEnterConfiguration;
import org.jivesoftware.smackx.muc.MultiUserChat;
import org.jivesoftware.smackx.muc.MultiUserChatManager;
import org.jivesoftware.smackx.ping.PingManager;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.EntityFullJid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's seat in the pool MUC: one XMPP connection that joins the room under a nickname, keeps its
 * presence (with the extension {@code presence} supplies) current, hears every other occupant's presence and
 * carries commands as IQs between occupants. When the connection drops it reconnects every second and joins again;
 * what others missed meanwhile is in the presence it joins with.
 */
public final class PoolRoom implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PoolRoom.class);
    private static final Duration RETRY = Duration.ofSeconds(1);

    static {
        registerProviders();
    }

    /** Teaches Smack to read the pool protocol's stanzas. */
    public static void registerProviders() {
        ProviderManager.addIQProvider(FleetIq.ELEMENT, FleetIq.NAMESPACE, new FleetIqProvider());
        ProviderManager.addExtensionProvider(NodeReport.ELEMENT, NodeReport.NAMESPACE, new NodeReportProvider());
    }

    private final FleetProperties.Xmpp xmpp;
    private final Resourcepart nick;
    private final EntityBareJid room;
    private final Supplier<Optional<ExtensionElement>> presence;
    private final AbstractXMPPConnection connection;
    private final MultiUserChat muc;
    private final Thread worker;
    private volatile boolean joined;
    private volatile boolean closed;
    private volatile Instant joinedAt = Instant.EPOCH;

    /**
     * @param presence what this occupant says about itself in every presence (a node's report); empty for none
     */
    public PoolRoom(FleetProperties.Xmpp xmpp, String nick, Supplier<Optional<ExtensionElement>> presence)
            throws IOException {
        if (xmpp.domain() == null || xmpp.username() == null || xmpp.password() == null || xmpp.room() == null) {
            throw new IllegalStateException("capstan.fleet.xmpp needs domain, username, password and room");
        }
        this.xmpp = xmpp;
        this.nick = Resourcepart.from(nick);
        this.room = JidCreate.entityBareFrom(xmpp.room());
        this.presence = presence;
        XMPPTCPConnectionConfiguration.Builder builder = XMPPTCPConnectionConfiguration.builder()
                .setXmppDomain(xmpp.domain())
                .setHostAddress(InetAddress.getByName(xmpp.host()))
                .setPort(xmpp.port())
                .setUsernameAndPassword(xmpp.username(), xmpp.password())
                .setResource(nick)
                .setSecurityMode(xmpp.requireTls() ? SecurityMode.required : SecurityMode.ifpossible)
                .setSendPresence(false)
                .setConnectTimeout(5000);
        if (xmpp.trustAllCertificates()) {
            TLSUtils.acceptAllCertificates(builder);
            TLSUtils.disableHostnameVerificationForTlsCertificates(builder);
        }
        connection = new XMPPTCPConnection(builder.build());
        Roster.getInstanceFor(connection).setRosterLoadedAtLogin(false);
        // A peer whose host vanished without closing its socket is noticed by the server's own timeouts; our side
        // pings so that our own dead connection is noticed within seconds.
        PingManager.getInstanceFor(connection).setPingInterval(10);
        ReconnectionManager reconnection = ReconnectionManager.getInstanceFor(connection);
        reconnection.setReconnectionPolicy(ReconnectionManager.ReconnectionPolicy.FIXED_DELAY);
        reconnection.setFixedDelay((int) RETRY.toSeconds());
        reconnection.enableAutomaticReconnection();
        connection.addConnectionListener(new ConnectionListener() {
            @Override
            public void authenticated(XMPPConnection c, boolean resumed) {
                wake();
            }

            @Override
            public void connectionClosedOnError(Exception e) {
                joined = false;
                log.warn("pool {}: connection lost ({}); reconnecting", describe(), e.getMessage());
            }

            @Override
            public void connectionClosed() {
                joined = false;
            }
        });
        muc = MultiUserChatManager.getInstanceFor(connection).getMultiUserChat(room);
        muc.addPresenceInterceptor(builderOfPresence -> this.presence.get().ifPresent(builderOfPresence::addExtension));
        worker = new Thread(this::work, "pool-" + nick);
        worker.setDaemon(true);
    }

    /** Hears every other occupant's presence, unavailable ones (it left, or its connection died) included. */
    public void onPresence(BiConsumer<String, Presence> listener) {
        muc.addParticipantListener(presence -> {
            if (presence.getFrom() != null && presence.getFrom().getResourceOrNull() != null
                    && !presence.getFrom().getResourceOrNull().equals(nick)) {
                listener.accept(presence.getFrom().getResourceOrNull().toString(), presence);
            }
        });
    }

    /** Answers commands from other occupants; {@code handler} returns the result or an error IQ. */
    public void onCommand(Function<FleetIq, IQ> handler) {
        connection.registerIQRequestHandler(new AbstractIqRequestHandler(FleetIq.ELEMENT, FleetIq.NAMESPACE,
                IQ.Type.set, IQRequestHandler.Mode.async) {
            @Override
            public IQ handleIQRequest(IQ request) {
                if (!(request instanceof FleetIq command)) {
                    return IQ.createErrorResponse(request, StanzaError.getBuilder(StanzaError.Condition.bad_request)
                            .setDescriptiveEnText("not a fleet command").build());
                }
                try {
                    return handler.apply(command);
                } catch (RuntimeException e) {
                    log.warn("pool {}: {} failed: {}", describe(), command.describe(), e.toString());
                    return IQ.createErrorResponse(request, StanzaError.getBuilder(
                            StanzaError.Condition.internal_server_error).setDescriptiveEnText(e.getMessage()).build());
                }
            }
        });
    }

    public void start() {
        worker.start();
    }

    public String nick() {
        return nick.toString();
    }

    public boolean isJoined() {
        return joined;
    }

    /** When this occupant last (re)joined: presences of others are complete only a moment after it. */
    public Instant joinedAt() {
        return joinedAt;
    }

    /** Sends the current presence now (the extension's state changed). */
    public void republish() {
        if (!joined) {
            return;
        }
        try {
            Presence update = connection.getStanzaFactory().buildPresenceStanza()
                    .to(JidCreate.entityFullFrom(room, nick)).build();
            presence.get().ifPresent(update::addExtension);
            connection.sendStanza(update);
        } catch (SmackException.NotConnectedException | InterruptedException e) {
            // The join after the reconnect carries the current state.
            log.debug("pool {}: presence waits for the reconnect", describe());
        }
    }

    /**
     * Sends a command to another occupant and waits for its answer.
     *
     * @return the answer, when it carries data (an empty result carries none)
     *
     * @throws FleetCommandException when it answers with an error, does not answer in time or cannot be reached
     */
    public Optional<FleetIq> send(String toNick, FleetIq command, Duration timeout) throws FleetCommandException {
        try {
            EntityFullJid to = JidCreate.entityFullFrom(room, Resourcepart.from(toNick));
            command.setTo(to);
            command.setType(IQ.Type.set);
            IQ answer = connection.createStanzaCollectorAndSend(command).nextResultOrThrow(timeout.toMillis());
            return answer instanceof FleetIq fleet ? Optional.of(fleet) : Optional.empty();
        } catch (XMPPException.XMPPErrorException e) {
            StanzaError error = e.getStanzaError();
            throw new FleetCommandException(FleetCommandException.Problem.of(error.getCondition()),
                    Optional.ofNullable(error.getDescriptiveText()).orElse(error.getCondition().toString()),
                    pauseRefusal(error));
        } catch (SmackException.NoResponseException e) {
            throw new FleetCommandException(FleetCommandException.Problem.TIMEOUT,
                    toNick + " did not answer within " + timeout.toMillis() + " ms");
        } catch (SmackException.NotConnectedException | InterruptedException | IOException e) {
            throw new FleetCommandException(FleetCommandException.Problem.NOT_CONNECTED,
                    "the pool room cannot be reached: " + e.getMessage());
        }
    }

    /** The reason of a refused pause or resume, by its wire name beside the error (see {@link FleetIq#REFUSED}). */
    public static Optional<PauseRefusedException.Reason> pauseRefusal(StanzaError error) {
        ExtensionElement refused = error.getExtension(FleetIq.REFUSED, FleetIq.NAMESPACE);
        if (!(refused instanceof StandardExtensionElement element)) {
            return Optional.empty();
        }
        String reason = element.getAttributeValue("reason");
        return Arrays.stream(PauseRefusedException.Reason.values())
                .filter(known -> known.wireName().equals(reason)).findFirst();
    }

    /** The error a node answers a refused pause or resume with: {@code conflict}, and the reason beside it. */
    public static StanzaError pauseRefused(PauseRefusedException refused) {
        return StanzaError.getBuilder(StanzaError.Condition.conflict).setDescriptiveEnText(refused.getMessage())
                .addExtension(StandardExtensionElement.builder(FleetIq.REFUSED, FleetIq.NAMESPACE)
                        .addAttribute("reason", refused.reason().wireName()).build())
                .build();
    }

    private String describe() {
        return room + "/" + nick;
    }

    private synchronized void wake() {
        notifyAll();
    }

    /** Connects, joins and rejoins. */
    private void work() {
        boolean everAuthenticated = false;
        while (!closed) {
            try {
                // After the first login Smack's reconnection manager brings the connection back; until then, we do.
                if (!everAuthenticated) {
                    if (!connection.isConnected()) {
                        connection.connect();
                    }
                    connection.login();
                    everAuthenticated = true;
                }
                if (connection.isAuthenticated() && !joined) {
                    join();
                }
                synchronized (this) {
                    if (!closed) {
                        wait(RETRY.toMillis());
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException | IOException | SmackException | XMPPException e) {
                log.warn("pool {}: {}; trying again in {} s", describe(), e.getMessage(), RETRY.toSeconds());
                try {
                    TimeUnit.MILLISECONDS.sleep(RETRY.toMillis());
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private void join() throws SmackException, XMPPException, InterruptedException {
        if (muc.isJoined()) {
            // Smack still thinks it is in the room from before the reconnect: leave for a clean state.
            try {
                muc.leave();
            } catch (SmackException | XMPPException | RuntimeException e) {
                log.debug("pool {}: leaving the stale seat: {}", describe(), e.toString());
            }
        }
        MucEnterConfiguration enter = muc.getEnterConfigurationBuilder(nick).requestNoHistory()
                .timeoutAfter(10_000).build();
        MultiUserChat.MucCreateConfigFormHandle created = muc.createOrJoin(enter);
        if (created != null) {
            created.makeInstant();
        }
        joined = true;
        joinedAt = Instant.now();
        log.info("pool {}: joined ({})", describe(), xmpp);
    }

    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        ReconnectionManager.getInstanceFor(connection).disableAutomaticReconnection();
        try {
            if (joined) {
                muc.leave();
            }
        } catch (SmackException | XMPPException | InterruptedException | RuntimeException e) {
            log.debug("pool {}: leaving: {}", describe(), e.toString());
        }
        connection.disconnect();
    }
}
