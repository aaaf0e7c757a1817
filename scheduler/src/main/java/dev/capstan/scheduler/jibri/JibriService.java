package dev.capstan.scheduler.jibri;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.browser.CallLogin;
import dev.capstan.recorder.browser.JitsiMeetPage;
import dev.capstan.recorder.browser.LoginDelivery;
import dev.capstan.recorder.node.BusyReason;
import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeBusyException;
import dev.capstan.recorder.node.NodeStatus;
import dev.capstan.recorder.slot.AutoStop;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.archive.RecordingOrder;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jivesoftware.smack.ConnectionConfiguration.SecurityMode;
import org.jxmpp.jid.EntityBareJid;
import org.jxmpp.jid.Jid;
import org.jxmpp.jid.impl.JidCreate;
import org.jxmpp.jid.parts.Resourcepart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Service;

/**
 * Capstan as a pool of Jibris: one brewery occupant per slot and XMPP host of every configured environment.
 * A start is answered {@code pending} at once (the slot is warm; nothing waits for a browser), {@code on} follows
 * the first written frame and {@code off} the end, with Jibri's {@code failure_reason} and {@code should_retry}.
 * Occupants advertise {@code idle} only while the node can take another recording, so Jicofo's choice is real.
 */
@Service
public class JibriService implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JibriService.class);
    private static final Duration AVAILABILITY_CHECK = Duration.ofSeconds(1);

    private final JibriProperties properties;
    private final Recordings recordings;
    private final Node node;
    private final Sessions sessions;
    private final ObjectMapper json;
    private final List<Brewery> breweries = new ArrayList<>();
    private final Map<BreweryOccupant, XmppSession> running = new ConcurrentHashMap<>();
    /** Sessions started through Jibri's HTTP API, which has no session id on stop: it stops them all. */
    private final Map<RecordingId, CompletableFuture<Recording>> httpStarted = new ConcurrentHashMap<>();
    private final ScheduledExecutorService availability = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread thread = new Thread(task, "jibri-availability");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean started;

    /** The occupants of one environment on one XMPP host. */
    private record Brewery(JibriProperties.Environment environment, String host, MeetingAddress meetings,
            List<BreweryOccupant> occupants) {

        String context() {
            return environment.name() + "-" + host;
        }
    }

    /** A session Jicofo started through an occupant. */
    private record XmppSession(Session session, Brewery brewery, BreweryOccupant occupant, Jid requester,
            CompletableFuture<Recording> recording) {
    }

    public JibriService(JibriProperties properties, Recordings recordings, Node node, Sessions sessions,
            ObjectMapper json) {
        this.properties = properties;
        this.recordings = recordings;
        this.node = node;
        this.sessions = sessions;
        this.json = json;
    }

    @Override
    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        int slots = node.status().slots().size();
        for (JibriProperties.Environment environment : properties.environments()) {
            for (String hostAndPort : environment.xmppServerHosts()) {
                try {
                    breweries.add(brewery(environment, hostAndPort, slots));
                } catch (IOException | RuntimeException e) {
                    log.error("jibri environment {} on {} is not served: {}", environment.name(), hostAndPort,
                            e.getMessage());
                }
            }
        }
        breweries.forEach(brewery -> brewery.occupants().forEach(BreweryOccupant::start));
        if (!breweries.isEmpty()) {
            availability.scheduleWithFixedDelay(this::refreshAvailability, 0, AVAILABILITY_CHECK.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    private Brewery brewery(JibriProperties.Environment environment, String hostAndPort, int slots) throws IOException {
        String host = hostAndPort;
        int port = environment.controlLogin().port();
        int colon = hostAndPort.lastIndexOf(':');
        if (colon > 0 && hostAndPort.indexOf(':') == colon) {
            host = hostAndPort.substring(0, colon);
            port = Integer.parseInt(hostAndPort.substring(colon + 1));
        }
        SecurityMode security = environment.securityMode()
                .map(mode -> SecurityMode.valueOf(mode.trim().toLowerCase(java.util.Locale.ROOT)))
                .orElse(isLoopback(host) ? SecurityMode.ifpossible : SecurityMode.required);
        EntityBareJid room = JidCreate.entityBareFrom(
                environment.controlMuc().roomName() + "@" + environment.controlMuc().domain());
        String nickname = environment.controlMuc().nickname().filter(n -> !n.isBlank())
                .orElse(InetAddress.getLocalHost().getHostName());
        MeetingAddress meetings = new MeetingAddress(environment.xmppDomain(), environment.stripFromRoomDomain(),
                environment.baseUrl());
        List<BreweryOccupant> occupants = new ArrayList<>();
        for (int i = 1; i <= slots; i++) {
            BreweryOccupant.Address address = new BreweryOccupant.Address(environment.name(), host, port,
                    environment.controlLogin().domain(), environment.controlLogin().username(),
                    environment.controlLogin().password(), security, environment.trustAllXmppCerts(), room,
                    Resourcepart.from(nickname + "-" + i));
            occupants.add(new BreweryOccupant(address, new JibriStatus(false, true), requests(), json));
        }
        log.info("jibri environment {}: {} occupants in {} on {}:{}", environment.name(), slots, room, host, port);
        return new Brewery(environment, host, meetings, occupants);
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("::1");
    }

    private BreweryOccupant.Requests requests() {
        return new BreweryOccupant.Requests() {
            @Override
            public JibriIq start(BreweryOccupant occupant, JibriRequest.Start start, Jid requester)
                    throws MalformedRequestException {
                return JibriService.this.start(breweryOf(occupant), occupant, start, requester);
            }

            @Override
            public CompletableFuture<JibriIq> stop(BreweryOccupant occupant, JibriRequest.Stop stop) {
                return JibriService.this.stop(occupant, stop);
            }
        };
    }

    private Brewery breweryOf(BreweryOccupant occupant) {
        return breweries.stream().filter(b -> b.occupants().contains(occupant)).findFirst()
                .orElseThrow(() -> new IllegalStateException("occupant " + occupant.nick() + " has no brewery"));
    }

    private JibriIq start(Brewery brewery, BreweryOccupant occupant, JibriRequest.Start start, Jid requester)
            throws MalformedRequestException {
        String origin = "xmpp:" + brewery.environment().name() + "/" + brewery.host() + "/" + occupant.nick();
        if (running.containsKey(occupant)) {
            log.info("jibri {}: busy; refusing session {}", origin, start.sessionId());
            return JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.BUSY), true);
        }
        if (start.sipAddress().isPresent() || start.mode() != JibriRequest.Mode.FILE) {
            // Jibri's answer for a mode it does not serve: retrying on another Jibri of this kind will not help.
            log.warn("jibri {}: session {} asks for {}, which this node does not serve", origin, start.sessionId(),
                    start.sipAddress().isPresent() ? "a SIP gateway" : start.mode().wire());
            return JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.ERROR), false);
        }
        URI meeting = brewery.meetings().of(start.room());
        JitsiMeetPage page = page(brewery.environment(), meeting, start, occupant.nick());
        // Jibri's metadata.json names the meeting without the recorder's hash; so do the catalog and the logs.
        RecordingOrder order = new RecordingOrder(RecordingId.generate(), start.room().getLocalpart().toString(),
                meeting, Optional.of(start.sessionId()), start.appData(), Instant.now());
        Session session = new Session(order.id(), origin, Optional.of(start.sessionId()), start.mode().wire(),
                meeting.toString(), order.requestedAt());
        Duration usage = brewery.environment().usageTimeout();
        Optional<Duration> maxDuration = usage.isZero() || usage.isNegative() ? Optional.empty() : Optional.of(usage);
        CompletableFuture<Recording> recording;
        AtomicReference<XmppSession> holder = new AtomicReference<>();
        try {
            recording = recordings.start(order, page, maxDuration, Optional.of(autoStop()), Duration.ZERO,
                    event -> onFirstFrame(holder.get(), event));
        } catch (IOException e) {
            log.error("jibri {}: session {} could not be filed: {}", origin, start.sessionId(), e.getMessage());
            return JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.ERROR), true);
        }
        if (recording.isCompletedExceptionally()) {
            Throwable cause = causeOf(recording);
            boolean busy = cause instanceof NodeBusyException;
            log.info("jibri {}: refusing session {}: {}", origin, start.sessionId(), cause.getMessage());
            refreshAvailability();
            return JibriIq.status(JibriIq.Status.OFF,
                    Optional.of(busy ? JibriIq.FailureReason.BUSY : JibriIq.FailureReason.ERROR), true);
        }
        XmppSession xmpp = new XmppSession(session, brewery, occupant, requester, recording);
        holder.set(xmpp);
        sessions.add(session);
        running.put(occupant, xmpp);
        // Attached only now, so that even an outcome that came before this line is reported.
        recording.thenCompose(Recording::outcome).thenAccept(outcome -> onOutcome(xmpp, outcome));
        occupant.publish(new JibriStatus(true, occupant.status().healthy()));
        log.info("jibri {}: session {} records {} as {}", origin, start.sessionId(), meeting, order.id());
        refreshAvailability();
        return JibriIq.status(JibriIq.Status.PENDING);
    }

    private JitsiMeetPage page(JibriProperties.Environment environment, URI meeting, JibriRequest.Start start,
            String nick) {
        JibriProperties.CallLogin login = environment.callLogin();
        Optional<CallLogin> callLogin = login == null ? Optional.empty()
                : Optional.of(new CallLogin(login.domain(), login.username(), login.password(), login.randomizeUsername()));
        Map<String, String> presence = new LinkedHashMap<>();
        presence.put("session_id", start.sessionId());
        presence.put("mode", start.mode().wire());
        LoginDelivery delivery = properties.loginDelivery() == JibriProperties.LoginDeliveryName.LOCAL_STORAGE
                ? LoginDelivery.LOCAL_STORAGE : LoginDelivery.URL_HASH;
        return new JitsiMeetPage(meeting, callLogin, delivery, presence, start.rtcstatsEnabled(), nick,
                properties.joinTimeout());
    }

    private AutoStop autoStop() {
        JibriProperties.CallStatusChecks checks = properties.callStatusChecks();
        return new AutoStop(checks.interval(), checks.callEmptyTimeout(), checks.allMutedTimeout(),
                checks.noMediaTimeout());
    }

    private static Throwable causeOf(CompletableFuture<?> failed) {
        try {
            failed.getNow(null);
            return new IllegalStateException("not failed");
        } catch (CompletionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (java.util.concurrent.CancellationException e) {
            return e;
        }
    }

    /** {@code on} goes to Jicofo once frames are being written, not when a process starts. */
    private void onFirstFrame(XmppSession xmpp, SlotEvent event) {
        if (xmpp != null && event instanceof SlotEvent.FirstFrameWritten
                && sessions.moveTo(xmpp.session(), new SessionState.On(Instant.now()))) {
            xmpp.occupant().sendStatus(xmpp.requester(), JibriIq.status(JibriIq.Status.ON));
        }
    }

    /** {@code off} at the end: clean, or with {@code failure_reason='error'}. */
    private void onOutcome(XmppSession xmpp, SlotEvent.Outcome event) {
        if (event instanceof SlotEvent.Stopped) {
            SlotEvent.Stopped stopped = (SlotEvent.Stopped) event;
            sessions.moveTo(xmpp.session(), new SessionState.Finalizing(Instant.now(), stopped.cause().toString()));
            ended(xmpp, JibriIq.status(JibriIq.Status.OFF));
        } else if (event instanceof SlotEvent.Failed) {
            SlotEvent.Failed failed = (SlotEvent.Failed) event;
            boolean retry = !failed.failure().reason().isCallersFault();
            sessions.moveTo(xmpp.session(), new SessionState.Failed(Instant.now(), failed.failure().toString(), retry));
            ended(xmpp, JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.ERROR), retry));
        }
    }

    private void ended(XmppSession xmpp, JibriIq status) {
        xmpp.occupant().sendStatus(xmpp.requester(), status);
        running.remove(xmpp.occupant(), xmpp);
        // The slot is free now: the occupant says idle before the upload finishes (Jibri waits for it).
        refreshAvailability();
        recordings.archive().settled(xmpp.session().recordingId()).whenComplete((entry, error) ->
                sessions.moveTo(xmpp.session(), error == null ? new SessionState.Done(Instant.now())
                        : new SessionState.Failed(Instant.now(), "archive: " + error.getMessage(), false)));
    }

    private CompletableFuture<JibriIq> stop(BreweryOccupant occupant, JibriRequest.Stop stop) {
        Optional<XmppSession> target = stop.sessionId().isPresent()
                ? running.values().stream().filter(s -> s.session().sessionId().equals(stop.sessionId())).findFirst()
                : Optional.ofNullable(running.get(occupant));
        if (target.isEmpty()) {
            log.info("jibri {}: stop for {}, which is not running here", occupant.nick(),
                    stop.sessionId().orElse("whatever runs"));
            return CompletableFuture.completedFuture(JibriIq.status(JibriIq.Status.OFF));
        }
        XmppSession xmpp = target.get();
        sessions.moveTo(xmpp.session(), new SessionState.Stopping(Instant.now()));
        return xmpp.recording()
                .thenCompose(Recording::stop)
                .handle((outcome, error) -> JibriIq.status(JibriIq.Status.OFF));
    }

    /**
     * Starts a session for Jibri's HTTP API ({@code startService}): the given meeting, joined with the given login,
     * without a usage timeout (as Jibri).
     *
     * @throws NodeBusyException when no slot can take it now
     * @throws IOException       when it cannot be filed in the archive
     */
    public RecordingId startForHttp(String sessionId, URI meeting, Optional<CallLogin> login)
            throws NodeBusyException, IOException {
        Map<String, String> presence = new LinkedHashMap<>();
        presence.put("session_id", sessionId);
        presence.put("mode", JibriRequest.Mode.FILE.wire());
        LoginDelivery delivery = properties.loginDelivery() == JibriProperties.LoginDeliveryName.LOCAL_STORAGE
                ? LoginDelivery.LOCAL_STORAGE : LoginDelivery.URL_HASH;
        JitsiMeetPage page = new JitsiMeetPage(meeting, login, delivery, presence, Optional.empty(), "jibri",
                properties.joinTimeout());
        String room = meeting.getPath() == null ? meeting.toString() : meeting.getPath().replaceAll(".*/", "");
        RecordingOrder order = new RecordingOrder(RecordingId.generate(), room, meeting,
                Optional.of(sessionId), Map.of(), Instant.now());
        Session session = new Session(order.id(), "jibri-http", Optional.of(sessionId), "file",
                meeting.toString(), order.requestedAt());
        CompletableFuture<Recording> recording = recordings.start(order, page, Optional.empty(),
                Optional.of(autoStop()), Duration.ZERO, event -> {
                    if (event instanceof SlotEvent.FirstFrameWritten) {
                        sessions.moveTo(session, new SessionState.On(Instant.now()));
                    }
                });
        if (recording.isCompletedExceptionally()) {
            Throwable cause = causeOf(recording);
            if (cause instanceof NodeBusyException) {
                throw (NodeBusyException) cause;
            }
            throw new IOException(cause.getMessage(), cause);
        }
        sessions.add(session);
        httpStarted.put(order.id(), recording);
        recording.thenCompose(Recording::outcome).thenAccept(outcome -> {
            httpStarted.remove(order.id());
            sessions.moveTo(session, outcome instanceof SlotEvent.Failed failed
                    ? new SessionState.Failed(Instant.now(), failed.failure().toString(),
                            !failed.failure().reason().isCallersFault())
                    : new SessionState.Finalizing(Instant.now(), "stopped"));
            refreshAvailability();
            recordings.archive().settled(order.id()).thenRun(() ->
                    sessions.moveTo(session, new SessionState.Done(Instant.now())));
        });
        refreshAvailability();
        return order.id();
    }

    /** Jibri's {@code stopService}: stops every session its HTTP API started; completes once they have ended. */
    public CompletableFuture<Void> stopHttpSessions() {
        List<CompletableFuture<?>> endings = new ArrayList<>();
        httpStarted.forEach((id, recording) -> {
            sessions.find(id).ifPresent(session -> sessions.moveTo(session, new SessionState.Stopping(Instant.now())));
            endings.add(recording.thenCompose(Recording::stop));
        });
        return CompletableFuture.allOf(endings.toArray(CompletableFuture[]::new)).handle((ignored, error) -> null);
    }

    /** Whether this node runs any session at all (Jibri's {@code busyStatus}). */
    public boolean anySessionRunning() {
        return node.status().busySlots() > 0 || !running.isEmpty() || !httpStarted.isEmpty();
    }

    /**
     * Idle occupants advertise {@code idle} only up to the node's free capacity, per environment and host, so
     * recordings started some other way (REST, another environment) make Jicofo look elsewhere.
     */
    void refreshAvailability() {
        try {
            NodeStatus status = node.status();
            boolean healthy = status.busy().map(hold -> hold.reason() != BusyReason.UNAVAILABLE).orElse(true);
            long free = status.busy().isPresent() ? 0 : status.idleSlots();
            for (Brewery brewery : breweries) {
                long idleLeft = free;
                for (BreweryOccupant occupant : brewery.occupants()) {
                    boolean busy = running.containsKey(occupant) || idleLeft-- <= 0;
                    occupant.publish(new JibriStatus(busy, healthy));
                }
            }
        } catch (RuntimeException e) {
            log.warn("jibri availability check failed", e);
        }
    }

    /** What the Jibri status endpoint shows: every occupant and its session. */
    public List<OccupantView> occupants() {
        List<OccupantView> views = new ArrayList<>();
        for (Brewery brewery : breweries) {
            for (BreweryOccupant occupant : brewery.occupants()) {
                XmppSession xmpp = running.get(occupant);
                views.add(new OccupantView(brewery.environment().name(), brewery.host(),
                        occupant.address().brewery() + "/" + occupant.nick(), occupant.isJoined(),
                        occupant.status().toString(), occupant.lastJoined(),
                        Optional.ofNullable(xmpp).map(x -> x.session().recordingId().value())));
            }
        }
        return views;
    }

    /** One occupant as the status endpoint shows it. */
    public record OccupantView(String environment, String host, String occupant, boolean joined, String status,
            Optional<Instant> joinedAt, Optional<String> recordingId) {
    }

    /** The environment and host of a running XMPP session, as Jibri's health reports it ({@code <env>-<host>}). */
    public Optional<String> busyContext() {
        return running.values().stream().map(x -> x.brewery().context()).findFirst();
    }

    public boolean isConfigured() {
        return !breweries.isEmpty();
    }

    /** True when every occupant is in its brewery. */
    public boolean allJoined() {
        return breweries.stream().flatMap(b -> b.occupants().stream()).allMatch(BreweryOccupant::isJoined);
    }

    @Override
    public synchronized void stop() {
        started = false;
        availability.shutdownNow();
        breweries.forEach(brewery -> brewery.occupants().forEach(BreweryOccupant::close));
    }

    @Override
    public boolean isRunning() {
        return started;
    }
}
