package dev.capstan.scheduler.fleet.placement;

import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.scheduler.fleet.protocol.FleetCommandException;
import dev.capstan.scheduler.fleet.protocol.FleetIq;
import dev.capstan.scheduler.fleet.protocol.NodeReport;
import dev.capstan.scheduler.fleet.protocol.PoolRoom;
import dev.capstan.scheduler.plan.Part;
import dev.capstan.scheduler.plan.PlanJson;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.scheduler.session.FailureReason;
import dev.capstan.scheduler.session.RecorderNode;
import dev.capstan.scheduler.session.RunningSession;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionDriver;
import dev.capstan.scheduler.session.SessionFailure;
import dev.capstan.scheduler.session.SessionListener;
import dev.capstan.scheduler.session.SessionRecovery;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.scheduler.session.StartRefusedException;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions this scheduler runs on the fleet's nodes: it places each on a node ({@link Placement}), follows it
 * through the node's presence, stops it on request and, when its node vanishes mid-recording, salvages what reached
 * the store as one part and continues the session as the next part on another node. Each session's placement and
 * order are kept with it in the shared database, so a restarted scheduler takes up following it again
 * ({@link SessionRecovery}).
 */
public final class FleetSessions implements RecorderNode, SessionRecovery, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FleetSessions.class);
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    /** A resume waits for the new encoder's first frame, as long as the recorder allows (30 s). */
    static final Duration PAUSE_TIMEOUT = Duration.ofSeconds(35);
    /** A node missing from the room this long after we (re)joined is gone, even if we missed its departure. */
    private static final Duration MISSING_GRACE = Duration.ofSeconds(3);

    private final PoolRoom room;
    private final NodeRoster roster;
    private final Sessions sessions;
    private final SessionDriver driver;
    private final RecordingArchive archive;
    /** A node that records one of our sessions reports every presence interval; silent this long, it is gone. */
    private final Duration silentAfter;
    private final Map<RecordingId, Active> active = new ConcurrentHashMap<>();
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "fleet-sessions");
        thread.setDaemon(true);
        return thread;
    });

    /** Where a session's current part runs. */
    public record Placed(String node, int part, RecordingId partId, Instant since) {
    }

    private static final class Active {
        final Session session;
        final SessionListener listener;
        /** Changes as destinations are added and removed, so that a later part streams where this one does. */
        volatile RecordingPlan plan;
        volatile Placed placed;
        volatile boolean finalizing;

        Active(Session session, RecordingPlan plan, SessionListener listener) {
            this.session = session;
            this.plan = plan;
            this.listener = listener;
        }
    }

    public FleetSessions(PoolRoom room, NodeRoster roster, Sessions sessions, SessionDriver driver,
            RecordingArchive archive, Duration presenceInterval) {
        this.driver = driver;
        this.silentAfter = max(Duration.ofSeconds(5), presenceInterval.multipliedBy(3));
        this.room = room;
        this.roster = roster;
        this.sessions = sessions;
        this.archive = archive;
        roster.onChanged(view -> worker.execute(() -> changed(view)));
        roster.onGone(node -> worker.execute(() -> gone(node)));
        worker.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Files the session and places it on a node; returns once a node has taken it. A fleet does not queue: with
     * no node free now it refuses at once, whatever {@code wait} says, and the session is filed as failed
     * (retryable).
     */
    @Override
    public RunningSession start(RecordingPlan plan, String origin, Wait wait, SessionListener listener)
            throws StartRefusedException {
        Session session = new Session(plan.id(), origin, plan.sessionId(), plan.mode(),
                plan.meeting().address().toString(), plan.metadata(), plan.requestedAt(),
                new SessionState.Requested(Instant.now()), "", PlanJson.write(plan));
        Active entry = new Active(session, plan, listener);
        active.put(session.recordingId(), entry);
        try {
            driver.file(session);
        } catch (RuntimeException e) {
            active.remove(session.recordingId());
            log.error("fleet: {} could not be filed: {}", plan, e.getMessage());
            throw new StartRefusedException(StartRefusedException.Cause.NOT_FILED,
                    "the session table cannot file a new recording right now", Optional.empty());
        }
        if (!place(entry, new Part(1, plan.id()), Set.of())) {
            active.remove(session.recordingId());
            driver.failed(session, new SessionFailure(FailureReason.NO_NODE, "no node can take it now", true),
                    SessionListener.NONE);
            throw new StartRefusedException(StartRefusedException.Cause.NO_ROOM,
                    "no node can take it now: " + describeNodes(), Optional.empty());
        }
        log.info("fleet: {} placed on {}", plan, entry.placed.node());
        return new RemoteSession(this, room, entry.session.recordingId());
    }

    /** A session this scheduler drove before it restarted: follow it again where it runs. */
    @Override
    public void recover(Session session) {
        try {
            RecordingPlan plan = PlanJson.read(session.plan());
            Active entry = new Active(session, plan, SessionListener.NONE);
            entry.placed = new Placed(session.node(), session.part(), session.partId(), Instant.now());
            entry.finalizing = session.state() instanceof SessionState.Finalizing;
            active.put(session.recordingId(), entry);
            log.info("fleet: following {} again, part {} on {}", plan, session.part(), session.node());
        } catch (PlanJson.MalformedPlanException | RuntimeException e) {
            log.error("fleet: cannot follow session {} again (its plan is unreadable: {})", session.recordingId(),
                    e.getMessage());
            driver.failed(session, SessionFailure.other("the scheduler restarted and could not read the session back",
                    true), SessionListener.NONE);
        }
    }

    /**
     * A session on the fleet's nodes, whichever scheduler drives it: one this scheduler drives, or one another
     * drives (the shared database knows where it runs), whose node is asked directly.
     */
    @Override
    public Optional<RunningSession> running(RecordingId id) {
        if (active.containsKey(id)) {
            return Optional.of(new RemoteSession(this, room, id));
        }
        return sessions.find(id).filter(FleetSessions::onAFleetNode).map(session -> new RemoteSession(this, room, id));
    }

    static boolean onAFleetNode(Session session) {
        return !session.state().isFinal() && !session.node().isEmpty() && !session.node().equals(Session.LOCAL);
    }

    /** Where the session's current part runs, if this scheduler drives it. */
    public Optional<Placed> placement(RecordingId id) {
        return Optional.ofNullable(active.get(id)).map(a -> a.placed);
    }

    /** The node's latest report of the session's current part. */
    public Optional<NodeReport.RecordingReport> progress(RecordingId id) {
        return placement(id).flatMap(placed -> roster.node(placed.node())
                .flatMap(view -> view.report().recording(placed.partId().value())));
    }

    /**
     * Asks the session's node to stop it.
     *
     * @return false when this scheduler does not drive such a session
     */
    public boolean stop(RecordingId id) {
        Active entry = active.get(id);
        if (entry == null) {
            return stopForAnotherScheduler(id);
        }
        if (entry.placed == null) {
            return false;
        }
        Placed placed = entry.placed;
        driver.stopping(entry.session);
        try {
            sendStop(placed.node(), id.value(), placed.part(), placed.partId().value());
        } catch (FleetCommandException e) {
            log.warn("fleet: stopping {} on {}: {}", id, placed.node(), e.getMessage());
            if (!roster.node(placed.node()).isPresent()) {
                worker.execute(() -> gone(placed.node()));
            }
        }
        return true;
    }

    /**
     * A session another scheduler drives (the shared database has it): its node is asked to stop it, and the
     * scheduler that drives it follows it to its end from the node's reports, as for any ending.
     */
    private boolean stopForAnotherScheduler(RecordingId id) {
        Optional<Session> session = sessions.find(id);
        if (session.isEmpty() || session.get().state().isFinal() || session.get().node().isEmpty()
                || session.get().node().equals(Session.LOCAL)) {
            return false;
        }
        Session other = session.get();
        try {
            sendStop(other.node(), id.value(), other.part(), other.partId().value());
            log.info("fleet: asked {} to stop {} for scheduler {}", other.node(), id, other.owner());
            return true;
        } catch (FleetCommandException e) {
            log.warn("fleet: stopping {} (scheduler {}) on {}: {}", id, other.owner(), other.node(), e.getMessage());
            return false;
        }
    }

    /** Asks {@code node} to stop one part of a recording and waits for its answer. */
    private void sendStop(String node, String id, int part, String partId) throws FleetCommandException {
        room.send(node, FleetIq.command(FleetIq.Action.STOP, new FleetIq.PartAddress(id, part, partId)),
                COMMAND_TIMEOUT);
    }

    /** Places one part on the best node that takes it, trying the next when one refuses. */
    private boolean place(Active entry, Part part, Set<String> avoid) {
        Set<String> excluded = new HashSet<>(avoid);
        while (true) {
            Optional<NodeView> choice = Placement.choose(roster.nodes(), excluded, entry.plan.audioOnly());
            if (choice.isEmpty()) {
                return false;
            }
            String node = choice.get().name();
            roster.reserve(node);
            if (!driver.placing(entry.session, node, part)) {
                log.warn("fleet: {} moved on elsewhere ({}); not placing it", entry.plan, entry.session.state());
                return false;
            }
            entry.placed = new Placed(node, part.number(), part.id(), Instant.now());
            RecordingPlan plan = entry.plan;
            try {
                room.send(node, FleetIq.record(new FleetIq.PartAddress(plan.id().value(), part.number(),
                        part.id().value()), PlanJson.write(plan)), COMMAND_TIMEOUT);
                driver.taken(entry.session);
                log.info("fleet: {} part {} ({}) placed on {}", plan, part.number(), part.id(), node);
                return true;
            } catch (FleetCommandException e) {
                log.info("fleet: {} refused {} part {}: {}", node, plan.id(), part.number(), e.getMessage());
                excluded.add(node);
            }
        }
    }

    private void changed(NodeView view) {
        stopAbandonedParts(view);
        for (Active entry : active.values()) {
            Placed placed = entry.placed;
            if (placed == null || !placed.node().equals(view.name()) || entry.finalizing) {
                continue;
            }
            view.report().recording(placed.partId().value()).ifPresent(report -> {
                if (report.state() == NodeReport.PartState.ON) {
                    driver.onAir(entry.session, entry.listener);
                } else if (report.ended()) {
                    ended(entry, report);
                }
            });
        }
    }

    /**
     * A node that was silent and given up on may come back still recording a part that has since moved on, or a
     * node whose answer to a record command came too late may have started it after all: either is asked to stop,
     * so that one meeting is not recorded twice.
     */
    private void stopAbandonedParts(NodeView view) {
        for (NodeReport.RecordingReport report : view.report().recordings()) {
            Active entry = active.get(RecordingId.of(report.id()));
            Placed placed = entry == null ? null : entry.placed;
            // Also a part placed here once but given to another node when this one did not answer in time.
            boolean abandoned = placed != null && (!placed.partId().value().equals(report.partId())
                    || !placed.node().equals(view.name()));
            if (abandoned && !report.ended() && report.state() != NodeReport.PartState.STOPPING) {
                log.warn("fleet: {} still records part {} of {}, which moved on; stopping it", view.name(),
                        report.part(), report.id());
                try {
                    sendStop(view.name(), report.id(), report.part(), report.partId());
                } catch (FleetCommandException e) {
                    log.warn("fleet: {} did not stop part {} of {}: {}", view.name(), report.part(), report.id(),
                            e.getMessage());
                }
            }
        }
    }

    private void ended(Active entry, NodeReport.RecordingReport report) {
        entry.finalizing = true;
        String reason = report.reason().orElse(report.state().wireName());
        if (report.state() != NodeReport.PartState.FAILED) {
            driver.ended(entry.session, reason, Optional.empty(), entry.listener);
            return;
        }
        SessionFailure failure = report.failure().orElseGet(() -> SessionFailure.other(reason, true));
        boolean wasOn = entry.session.state() instanceof SessionState.On
                || entry.session.state() instanceof SessionState.Paused
                || entry.session.state() instanceof SessionState.Stopping;
        if (wasOn && entry.plan.recordsFile()) {
            // As on one host: what it recorded is kept, as a partial recording, once the archive has settled it.
            driver.ended(entry.session, reason, Optional.of(failure), entry.listener);
        } else {
            active.remove(entry.session.recordingId());
            driver.failed(entry.session, failure, entry.listener);
        }
    }

    /** The node left the pool: every session on it continues as its next part elsewhere. */
    private void gone(String node) {
        for (Active entry : List.copyOf(active.values())) {
            Placed placed = entry.placed;
            if (placed == null || !placed.node().equals(node) || entry.finalizing) {
                continue;
            }
            salvage(placed, "node " + node + " vanished during part " + placed.part());
            if (entry.session.state() instanceof SessionState.Stopping
                    || entry.session.state() instanceof SessionState.Paused) {
                // It was ending anyway, or paused (a next part would record what the pause keeps out): what
                // reached the store is the last part.
                entry.finalizing = true;
                driver.ended(entry.session, "node " + node + " vanished while " + entry.session.state().name(),
                        Optional.empty(), entry.listener);
                continue;
            }
            Part next = new Part(placed.part(), placed.partId()).next();
            log.warn("fleet: node {} vanished with {}; continuing as part {} elsewhere", node, entry.plan,
                    next.number());
            if (!place(entry, next, Set.of(node))) {
                entry.finalizing = true;
                active.remove(entry.session.recordingId());
                SessionFailure failure = new SessionFailure(FailureReason.NODE_LOST,
                        "node " + node + " vanished and no other node could take the recording", true);
                driver.failed(entry.session, failure, entry.listener);
            }
        }
    }

    /** Makes the part that was on a vanished node playable from what reached the store. */
    private void salvage(Placed placed, String reason) {
        log.info("fleet: salvaging part {} ({}): {}", placed.part(), placed.partId(), reason);
        archive.salvage(placed.partId(), reason).whenComplete((entry, error) -> {
            if (error != null) {
                log.error("fleet: salvaging part {} ({}) failed: {}", placed.part(), placed.partId(),
                        error.getMessage());
            } else {
                entry.ifPresent(e -> log.info("fleet: part {} ({}) salvaged: {}", placed.part(), placed.partId(),
                        e.status()));
            }
        });
    }

    /** Settles finalizing sessions and notices nodes that vanished while we were not listening. */
    private void sweep() {
        try {
            Instant now = Instant.now();
            boolean settledRoom = room.isJoined()
                    && Duration.between(room.joinedAt(), now).compareTo(MISSING_GRACE) > 0;
            Set<String> missing = new HashSet<>();
            Set<String> silent = new HashSet<>();
            for (Active entry : active.values()) {
                Placed placed = entry.placed;
                if (placed == null) {
                    continue;
                }
                if (entry.finalizing) {
                    settle(entry);
                } else if (settledRoom && roster.node(placed.node()).isEmpty()
                        && Duration.between(placed.since(), now).compareTo(MISSING_GRACE) > 0) {
                    missing.add(placed.node());
                } else if (settledRoom && roster.node(placed.node()).filter(view -> silent(view, now)).isPresent()
                        && Duration.between(placed.since(), now).compareTo(silentAfter) > 0) {
                    silent.add(placed.node());
                }
            }
            missing.forEach(this::gone);
            // Forgetting the node tells every listener, this one included, that it is gone.
            silent.forEach(node -> roster.forget(node, now.minus(silentAfter), "has said nothing for "
                    + silentAfter.toSeconds()
                    + " s while recording; taking its recordings elsewhere"));
        } catch (RuntimeException e) {
            log.warn("fleet: sweep failed: {}", e.toString());
        }
    }

    private boolean silent(NodeView view, Instant now) {
        return Duration.between(view.seenAt(), now).compareTo(silentAfter) > 0;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private void settle(Active entry) {
        Placed placed = entry.placed;
        boolean keepsFile = entry.plan.recordsFile();
        Optional<RecordingEntry> part = keepsFile ? archive.catalog().find(placed.partId()) : Optional.empty();
        if (keepsFile && part.isPresent() && !part.get().status().isFinal()) {
            return;
        }
        active.remove(entry.session.recordingId());
        // A later part's own entry does not judge the whole recording: earlier parts were kept.
        driver.settled(entry.session, placed.part() == 1 ? part : Optional.empty(), null);
    }

    private String describeNodes() {
        List<NodeView> nodes = roster.nodes();
        if (nodes.isEmpty()) {
            return "no node is in the pool";
        }
        return String.join(", ", nodes.stream().map(node -> node.name() + (node.report().draining() ? " draining"
                : " " + node.report().free() + " free")).toList());
    }

    /** Where a session's current part runs now, whichever scheduler drives it; empty when it runs nowhere. */
    Optional<RemoteSession.Target> target(RecordingId id) {
        Active entry = active.get(id);
        if (entry != null && entry.placed != null) {
            Placed placed = entry.placed;
            return Optional.of(new RemoteSession.Target(placed.node(), new FleetIq.PartAddress(id.value(),
                    placed.part(), placed.partId().value())));
        }
        return sessions.find(id).filter(FleetSessions::onAFleetNode).map(stored -> new RemoteSession.Target(
                stored.node(), new FleetIq.PartAddress(id.value(), stored.part(), stored.partId().value())));
    }

    /** A later part streams where this one does now (in this scheduler; a restarted one has the first plan). */
    void replan(RecordingId id, UnaryOperator<RecordingPlan> change) {
        Active entry = active.get(id);
        if (entry != null) {
            entry.plan = change.apply(entry.plan);
        }
    }

    /** Its node paused it as {@code mark} says: the session is {@code paused}. */
    void paused(RecordingId id, FleetIq.PauseMark mark) {
        driver.paused(session(id), mark.at(), mark.position());
    }

    /** Its node resumed it as {@code mark} says: the session is {@code on} again. */
    void resumed(RecordingId id, FleetIq.PauseMark mark) {
        driver.resumed(session(id), mark.at());
    }

    /** The session as this scheduler drives it, or as the shared database has it. */
    Session session(RecordingId id) {
        Active entry = active.get(id);
        return entry != null ? entry.session : sessions.find(id).orElseThrow(() ->
                new IllegalStateException("session " + id + " is gone"));
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
