package dev.capstan.scheduler.jibri;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.browser.CallLogin;
import dev.capstan.recorder.browser.JitsiMeetPage;
import dev.capstan.recorder.live.InvalidStreamUrlException;
import dev.capstan.recorder.live.LiveOutput;
import dev.capstan.recorder.live.LiveSettings;
import dev.capstan.recorder.live.StreamPolicy;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.node.BusyReason;
import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeBusyException;
import dev.capstan.recorder.node.NodeStatus;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.archive.RecordingOrder;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionFollower;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
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
 * Occupants advertise {@code idle} exactly while the node would admit another recording, so Jicofo's choice is
 * real: the node's verdict holds at least {@code capstan.node.admission-hold} under fluctuating load, and the
 * occupants follow each turn at once. A start IQ is answered at once; Jibri's HTTP API waits in the node's queue
 * up to {@code capstan.node.queue-timeout}, as REST does.
 */
@Service
public class JibriService implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(JibriService.class);
    private static final Duration AVAILABILITY_CHECK = Duration.ofSeconds(1);

    private final JibriProperties properties;
    private final Node node;
    private final Sessions sessions;
    private final SessionFollower follower;
    private final JicofoRetry retries;
    private final ObjectMapper json;
    private final StreamPolicy streamPolicy;
    private final LiveSettings liveSettings;
    private final List<Brewery> breweries = new ArrayList<>();
    private final Map<BreweryOccupant, XmppSession> running = new ConcurrentHashMap<>();
    /** Sessions started through Jibri's HTTP API, which has no session id on stop: it stops them all. */
    private final Map<RecordingId, Recording> httpStarted = new ConcurrentHashMap<>();
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
    private record XmppSession(Session session, Brewery brewery, Recording recording) {
    }

    public JibriService(JibriProperties properties, Node node, Sessions sessions, SessionFollower follower,
            JicofoRetry retries, ObjectMapper json, StreamPolicy streamPolicy, LiveSettings liveSettings) {
        this.properties = properties;
        this.streamPolicy = streamPolicy;
        this.liveSettings = liveSettings;
        this.node = node;
        this.sessions = sessions;
        this.follower = follower;
        this.retries = retries;
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
            // On our own thread: publishing presence must never hold up the node's.
            node.onAdmissionChange(() -> availability.execute(this::refreshAvailability));
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
        Brewery brewery = new Brewery(environment, host, meetings, occupants);
        for (int i = 1; i <= slots; i++) {
            BreweryOccupant.Address address = new BreweryOccupant.Address(environment.name(), host, port,
                    environment.controlLogin().domain(), environment.controlLogin().username(),
                    environment.controlLogin().password(), security, environment.trustAllXmppCerts(), room,
                    Resourcepart.from(nickname + "-" + i));
            occupants.add(new BreweryOccupant(address, new JibriStatus(false, true), requests(brewery), json));
        }
        log.info("jibri environment {}: {} occupants in {} on {}:{}", environment.name(), slots, room, host, port);
        return brewery;
    }

    private static boolean isLoopback(String host) {
        return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("::1");
    }

    private BreweryOccupant.Requests requests(Brewery brewery) {
        return new BreweryOccupant.Requests() {
            @Override
            public JibriIq start(BreweryOccupant occupant, JibriRequest.Start start, Jid requester)
                    throws MalformedRequestException {
                return JibriService.this.start(brewery, occupant, start, requester);
            }

            @Override
            public CompletableFuture<JibriIq> stop(BreweryOccupant occupant, JibriRequest.Stop stop) {
                return JibriService.this.stop(occupant, stop);
            }
        };
    }

    private JibriIq start(Brewery brewery, BreweryOccupant occupant, JibriRequest.Start start, Jid requester)
            throws MalformedRequestException {
        String origin = "xmpp:" + brewery.environment().name() + "/" + brewery.host() + "/" + occupant.nick();
        if (running.containsKey(occupant)) {
            log.info("jibri {}: busy; refusing session {}", origin, start.sessionId());
            return JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.BUSY), true);
        }
        if (start.sipAddress().isPresent()) {
            // Jibri's answer for a mode it does not serve: retrying on another Jibri of this kind will not help.
            log.warn("jibri {}: session {} asks for a SIP gateway, which this node does not serve", origin,
                    start.sessionId());
            return JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.ERROR), false);
        }
        Optional<LiveOutput> live = Optional.empty();
        if (start.mode() == JibriRequest.Mode.STREAM) {
            try {
                StreamUrl url = streamPolicy.check(start.streamUrl().orElseThrow(() ->
                        new InvalidStreamUrlException(InvalidStreamUrlException.Problem.MALFORMED,
                                "stream mode without a streamid")));
                // Jibri's stream mode keeps no file; record plus stream is a REST session's choice.
                live = Optional.of(new LiveOutput(List.of(url), liveSettings, false));
            } catch (InvalidStreamUrlException e) {
                // The one failure another Jibri cannot fix: Jicofo must not retry (should_retry=false).
                log.warn("jibri {}: session {} refused: {}", origin, start.sessionId(), e.getMessage());
                return JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.ERROR), false);
            }
        }
        URI meeting = brewery.meetings().of(start.room());
        Duration usage = brewery.environment().usageTimeout();
        Optional<Duration> maxDuration = usage.isZero() || usage.isNegative() ? Optional.empty() : Optional.of(usage);
        Recordings.Plan plan = new Recordings.Plan(maxDuration, Optional.of(properties.callStatusChecks().toAutoStop()),
                live);
        // Jicofo hears the end once the session is this occupant's (below), even if it ended before that.
        CompletableFuture<XmppSession> filed = new CompletableFuture<>();
        SessionFollower.Started started;
        try {
            started = record(origin, start.sessionId(), start.room().getLocalpart().toString(), meeting,
                    Optional.ofNullable(brewery.environment().callLogin()), start.rtcstatsEnabled(), occupant.nick(),
                    start.appData(), plan, start.viewUrl(), false,
                    () -> occupant.sendStatus(requester, JibriIq.status(JibriIq.Status.ON)),
                    outcome -> filed.thenAccept(xmpp -> {
                        occupant.sendStatus(requester, outcome instanceof SlotEvent.Failed failed
                                ? JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.ERROR),
                                        !failed.failure().reason().isCallersFault())
                                : JibriIq.status(JibriIq.Status.OFF));
                        running.remove(occupant, xmpp);
                    }));
        } catch (IOException e) {
            log.error("jibri {}: session {} could not be filed: {}", origin, start.sessionId(), e.getMessage());
            return JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.ERROR), true);
        } catch (NodeBusyException e) {
            log.info("jibri {}: refusing session {}: {}", origin, start.sessionId(), e.getMessage());
            return JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.BUSY), true);
        }
        XmppSession xmpp = new XmppSession(started.session(), brewery, started.recording());
        running.put(occupant, xmpp);
        occupant.publish(new JibriStatus(true, occupant.status().healthy()));
        filed.complete(xmpp);
        refreshAvailability();
        log.info("jibri {}: session {} records {} as {}", origin, start.sessionId(), meeting,
                started.session().recordingId());
        return JibriIq.status(JibriIq.Status.PENDING);
    }

    /**
     * Starts a Jitsi meeting recording as Jibri joins it, for either API, and files its session.
     *
     * @param viewUrl where viewers watch a live stream (presence {@code live-stream-view-url})
     * @param canWait whether the caller waits in the node's queue (Jibri's HTTP API) or must hear at once (an IQ)
     * @param onAir   runs once the recording is really on: the first frame is written or, for a live stream, the
     *                first destination takes it (the session is then {@code on})
     * @param onEnd   tells the requester how it ended; the slot counts as free again right after. It may come
     *                before the caller has filed the recording as its own: wait for that
     * @throws NodeBusyException when no slot can take it now, or within the queue timeout if it can wait
     */
    private SessionFollower.Started record(String origin, String sessionId, String room, URI meeting,
            Optional<CallLogin> login, Optional<Boolean> rtcstatsEnabled, String callStatsUserName,
            Map<String, Object> appData, Recordings.Plan plan, Optional<String> viewUrl, boolean canWait,
            Runnable onAir, Consumer<SlotEvent.Outcome> onEnd) throws IOException, NodeBusyException {
        JibriRequest.Mode mode = plan.recordsFile() ? JibriRequest.Mode.FILE : JibriRequest.Mode.STREAM;
        Map<String, String> presence = new LinkedHashMap<>();
        presence.put("session_id", sessionId);
        presence.put("mode", mode.wire());
        viewUrl.ifPresent(url -> presence.put("live-stream-view-url", url));
        JitsiMeetPage page = new JitsiMeetPage(meeting, login, properties.loginDelivery(), presence, rtcstatsEnabled,
                callStatsUserName, properties.joinTimeout());
        // Jibri's metadata.json names the meeting without the recorder's hash; so do the catalog and the logs.
        RecordingOrder order = new RecordingOrder(RecordingId.generate(), room, meeting, Optional.of(sessionId),
                appData, Instant.now());
        Consumer<SlotEvent.Outcome> ended = outcome -> {
            onEnd.accept(outcome);
            // The slot is free now: occupants say idle before the upload finishes (Jibri waits for it).
            refreshAvailability();
        };
        try {
            return canWait ? follower.start(order, origin, mode.wire(), page, plan, onAir, ended)
                    : retries.startNow(order, origin, mode.wire(), page, plan, onAir, ended);
        } catch (NodeBusyException e) {
            refreshAvailability();
            throw e;
        }
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
        return xmpp.recording().stop().handle((outcome, error) -> JibriIq.status(JibriIq.Status.OFF));
    }

    /**
     * Starts a session for Jibri's HTTP API ({@code startService}): the given meeting, joined with the given login,
     * without a usage timeout (as Jibri). Waits in the node's queue up to {@code capstan.node.queue-timeout}.
     *
     * @throws NodeBusyException when no slot took it within the queue timeout
     * @throws IOException       when it cannot be filed in the archive
     */
    public RecordingId startForHttp(String sessionId, URI meeting, Optional<CallLogin> login)
            throws NodeBusyException, IOException {
        String room = meeting.getPath() == null ? meeting.toString() : meeting.getPath().replaceAll(".*/", "");
        CompletableFuture<RecordingId> filed = new CompletableFuture<>();
        SessionFollower.Started started = record("jibri-http", sessionId, room, meeting, login, Optional.empty(),
                "jibri", Map.of(), new Recordings.Plan(Optional.empty(),
                        Optional.of(properties.callStatusChecks().toAutoStop()), Optional.empty()), Optional.empty(),
                true, () -> { }, outcome -> filed.thenAccept(httpStarted::remove));
        RecordingId id = started.session().recordingId();
        httpStarted.put(id, started.recording());
        filed.complete(id);
        refreshAvailability();
        return id;
    }

    /** Jibri's {@code stopService}: stops every session its HTTP API started; completes once they have ended. */
    public CompletableFuture<Void> stopHttpSessions() {
        List<CompletableFuture<?>> endings = new ArrayList<>();
        httpStarted.forEach((id, recording) -> {
            sessions.find(id).ifPresent(session -> sessions.moveTo(session, new SessionState.Stopping(Instant.now())));
            endings.add(recording.stop());
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
                    boolean idle = !running.containsKey(occupant) && idleLeft > 0;
                    if (idle) {
                        idleLeft--;
                    }
                    occupant.publish(new JibriStatus(!idle, healthy));
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
