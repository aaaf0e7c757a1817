package dev.capstan.scheduler.jibri;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.browser.CallLogin;
import dev.capstan.recorder.live.InvalidStreamUrlException;
import dev.capstan.recorder.live.StreamPolicy;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.node.BusyReason;
import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeStatus;
import dev.capstan.scheduler.plan.Login;
import dev.capstan.scheduler.plan.Meeting;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.scheduler.session.RecorderNode;
import dev.capstan.scheduler.session.RunningSession;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionFailure;
import dev.capstan.scheduler.session.SessionListener;
import dev.capstan.scheduler.session.StartRefusedException;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
    private final RecorderNode recorders;
    private final JicofoRetry retries;
    private final ObjectMapper json;
    private final StreamPolicy streamPolicy;
    private final List<Brewery> breweries = new ArrayList<>();
    private final Map<BreweryOccupant, XmppSession> running = new ConcurrentHashMap<>();
    /** Sessions started through Jibri's HTTP API, which has no session id on stop: it stops them all. */
    private final Map<RecordingId, RunningSession> httpStarted = new ConcurrentHashMap<>();
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
    private record XmppSession(Session session, Brewery brewery, RunningSession running) {
    }

    public JibriService(JibriProperties properties, Node node, RecorderNode recorders, JicofoRetry retries,
            ObjectMapper json, StreamPolicy streamPolicy) {
        this.properties = properties;
        this.streamPolicy = streamPolicy;
        this.node = node;
        this.recorders = recorders;
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
        List<StreamUrl> streams = List.of();
        if (start.mode() == JibriRequest.Mode.STREAM) {
            try {
                // Jibri's stream mode keeps no file; record plus stream is a REST session's choice.
                streams = List.of(streamPolicy.check(start.streamUrl().orElseThrow(() ->
                        new InvalidStreamUrlException(InvalidStreamUrlException.Problem.MALFORMED,
                                "stream mode without a streamid"))));
            } catch (InvalidStreamUrlException e) {
                // The one failure another Jibri cannot fix: Jicofo must not retry (should_retry=false).
                log.warn("jibri {}: session {} refused: {}", origin, start.sessionId(), e.getMessage());
                return JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.ERROR), false);
            }
        }
        JibriProperties.Environment environment = brewery.environment();
        URI meeting = brewery.meetings().of(start.room());
        // Jibri's metadata.json names the meeting without the recorder's hash; so do the catalog and the logs.
        RecordingPlan plan = withOperatorsTracks(new RecordingPlan(RecordingId.generate(),
                start.room().getLocalpart().toString(),
                new Meeting.JitsiRoom(meeting, environment.login(), start.rtcstatsEnabled(), occupant.nick(),
                        start.viewUrl()),
                RecordingPlan.outputs(streams.isEmpty(), streams), environment.recordingLimit(),
                Optional.of(properties.callStatusChecks().toAutoStop()), Optional.empty(), start.appData(),
                Optional.of(start.sessionId()), Instant.now()));
        // Jicofo hears the end once the session is this occupant's (below), even if it ended before that.
        CompletableFuture<XmppSession> filed = new CompletableFuture<>();
        RunningSession started;
        try {
            started = record(plan, origin, RecorderNode.Wait.NOW, new SessionListener() {
                @Override
                public void onAir() {
                    occupant.sendStatus(requester, JibriIq.status(JibriIq.Status.ON));
                }

                @Override
                public void ended(Optional<SessionFailure> failure) {
                    filed.thenAccept(xmpp -> {
                        occupant.sendStatus(requester, failure.map(why -> JibriIq.status(JibriIq.Status.OFF,
                                Optional.of(JibriIq.FailureReason.ERROR), why.retryable()))
                                .orElseGet(() -> JibriIq.status(JibriIq.Status.OFF)));
                        running.remove(occupant, xmpp);
                    });
                }
            });
        } catch (StartRefusedException e) {
            log.info("jibri {}: refusing session {}: {}", origin, start.sessionId(), e.getMessage());
            return e.refusal() == StartRefusedException.Cause.NO_ROOM
                    ? JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.BUSY), true)
                    : JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.ERROR), true);
        }
        XmppSession xmpp = new XmppSession(started.session(), brewery, started);
        running.put(occupant, xmpp);
        occupant.publish(new JibriStatus(true, occupant.status().healthy()));
        filed.complete(xmpp);
        refreshAvailability();
        log.info("jibri {}: session {} records {} as {}", origin, start.sessionId(), Session.withoutSecrets(
                meeting.toString()), started.session().recordingId());
        return JibriIq.status(JibriIq.Status.PENDING);
    }

    /**
     * Starts a Jitsi meeting recording for either API; the occupants say idle again as soon as its slot is free
     * (before its upload finishes: Jibri waits for it).
     */
    private RunningSession record(RecordingPlan plan, String origin, RecorderNode.Wait wait,
            SessionListener listener) throws StartRefusedException {
        try {
            SessionListener freesTheSlot = new SessionListener() {
                @Override
                public void onAir() {
                    listener.onAir();
                }

                @Override
                public void ended(Optional<SessionFailure> failure) {
                    listener.ended(failure);
                    refreshAvailability();
                }
            };
            // Jicofo's start may be its retry of a session that another Jibri was recording.
            return wait == RecorderNode.Wait.NOW ? retries.startNow(plan, origin, freesTheSlot)
                    : recorders.start(plan, origin, wait, freesTheSlot);
        } catch (StartRefusedException e) {
            refreshAvailability();
            throw e;
        }
    }

    /** A file recording with each speaker's sound too, when the operator turned that on (no protocol asks). */
    private RecordingPlan withOperatorsTracks(RecordingPlan plan) {
        return properties.speakerTracks() && plan.recordsFile() ? plan.withSpeakerTracks() : plan;
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
        return target.get().running().stop().handle((ended, error) -> JibriIq.status(JibriIq.Status.OFF));
    }

    /**
     * Starts a session for Jibri's HTTP API ({@code startService}): the given meeting, joined with the given login,
     * without a usage timeout (as Jibri). Waits in the node's queue up to {@code capstan.node.queue-timeout}.
     *
     * @throws StartRefusedException when no slot took it within the queue timeout, or it could not be filed
     */
    public RecordingId startForHttp(String sessionId, URI meeting, Optional<CallLogin> login)
            throws StartRefusedException {
        String room = meeting.getPath() == null ? meeting.toString() : meeting.getPath().replaceAll(".*/", "");
        RecordingPlan plan = withOperatorsTracks(new RecordingPlan(RecordingId.generate(), room,
                new Meeting.JitsiRoom(meeting, login.<Login>map(Login.Given::new).orElseGet(Login.Guest::new),
                        Optional.empty(), "jibri", Optional.empty()),
                RecordingPlan.outputs(true, List.of()), Optional.empty(),
                Optional.of(properties.callStatusChecks().toAutoStop()), Optional.empty(), Map.of(),
                Optional.of(sessionId), Instant.now()));
        // Forgotten at its end, even one that came before it was remembered.
        CompletableFuture<RecordingId> filed = new CompletableFuture<>();
        RunningSession started = record(plan, "jibri-http", RecorderNode.Wait.IN_QUEUE, new SessionListener() {
            @Override
            public void ended(Optional<SessionFailure> failure) {
                filed.thenAccept(httpStarted::remove);
            }
        });
        httpStarted.put(plan.id(), started);
        filed.complete(plan.id());
        refreshAvailability();
        return plan.id();
    }

    /** Jibri's {@code stopService}: stops every session its HTTP API started; completes once they have ended. */
    public CompletableFuture<Void> stopHttpSessions() {
        List<CompletableFuture<?>> endings = new ArrayList<>();
        httpStarted.values().forEach(session -> endings.add(session.stop()));
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
