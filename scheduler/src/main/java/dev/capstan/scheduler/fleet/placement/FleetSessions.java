package dev.capstan.scheduler.fleet.placement;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.scheduler.fleet.FleetCommandException;
import dev.capstan.scheduler.fleet.FleetIq;
import dev.capstan.scheduler.fleet.NodeReport;
import dev.capstan.scheduler.fleet.PoolRoom;
import dev.capstan.scheduler.fleet.RemoteOrder;
import dev.capstan.scheduler.session.FailureReason;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionFailure;
import dev.capstan.scheduler.session.SessionRecovery;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.scheduler.session.Sessions;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sessions this scheduler runs on the fleet's nodes: it places each on a node ({@link Placement}), follows it
 * through the node's presence, stops it on request and, when its node vanishes mid-recording, salvages what reached
 * the store as one part and continues the session as the next part on another node. Each session's placement and
 * order are kept with it in the shared database, so a restarted scheduler takes up following it again
 * ({@link SessionRecovery}).
 */
public final class FleetSessions implements SessionRecovery, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FleetSessions.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    /** A node missing from the room this long after we (re)joined is gone, even if we missed its departure. */
    private static final Duration MISSING_GRACE = Duration.ofSeconds(3);
    private static final TypeReference<Map<String, Object>> JSON_OBJECT = new TypeReference<>() {
    };

    private final PoolRoom room;
    private final NodeRoster roster;
    private final Sessions sessions;
    private final RecordingArchive archive;
    private final ObjectMapper json;
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
        final RemoteOrder order;
        volatile Placed placed;
        volatile boolean finalizing;

        Active(Session session, RemoteOrder order) {
            this.session = session;
            this.order = order;
        }
    }

    public FleetSessions(PoolRoom room, NodeRoster roster, Sessions sessions, RecordingArchive archive,
            ObjectMapper json, Duration presenceInterval) {
        this.json = json;
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
     * Files the session and places it on a node; returns once a node has taken it.
     *
     * @throws NoNodeException when no node can take it now (the session is filed as failed, retryable)
     */
    public Session start(RemoteOrder order, String origin) throws NoNodeException, JsonProcessingException {
        Session session = new Session(RecordingId.of(order.id()), origin, Optional.empty(), order.mode(),
                order.url().toString(), json.readValue(order.metadataJson(), JSON_OBJECT), order.requestedAt(),
                new SessionState.Requested(Instant.now()), "", json.writeValueAsString(order));
        Active entry = new Active(session, order);
        active.put(session.recordingId(), entry);
        sessions.add(session);
        if (!place(entry, 1, session.recordingId(), Set.of())) {
            active.remove(session.recordingId());
            sessions.moveTo(session,
                    new SessionState.Failed(Instant.now(),
                    new SessionFailure(FailureReason.NO_NODE, "no node can take it now", true)));
            throw new NoNodeException("no node can take it now: " + describeNodes());
        }
        return session;
    }

    /** A session this scheduler drove before it restarted: follow it again where it runs. */
    @Override
    public void recover(Session session) {
        try {
            RemoteOrder order = json.readValue(session.plan(), RemoteOrder.class);
            Active entry = new Active(session, order);
            entry.placed = new Placed(session.node(), session.part(), session.partId(), Instant.now());
            entry.finalizing = session.state() instanceof SessionState.Finalizing;
            active.put(session.recordingId(), entry);
            log.info("fleet: following {} again, part {} on {}", order, session.part(), session.node());
        } catch (JsonProcessingException | RuntimeException e) {
            log.error("fleet: cannot follow session {} again (its order is unreadable: {})", session.recordingId(),
                    e.getMessage());
            sessions.moveTo(session, new SessionState.Failed(Instant.now(),
                    SessionFailure.other("the scheduler restarted and could not read the session back", true)));
        }
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
        sessions.moveTo(entry.session, new SessionState.Stopping(Instant.now()));
        try {
            sendStop(placed.node(), id.value(), placed.partId().value());
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
            sendStop(other.node(), id.value(), other.partId().value());
            log.info("fleet: asked {} to stop {} for scheduler {}", other.node(), id, other.owner());
            return true;
        } catch (FleetCommandException e) {
            log.warn("fleet: stopping {} (scheduler {}) on {}: {}", id, other.owner(), other.node(), e.getMessage());
            return false;
        }
    }

    /** Asks {@code node} to stop one part of a recording and waits for its answer. */
    private void sendStop(String node, String id, String partId) throws FleetCommandException {
        room.send(node, FleetIq.command("stop", Map.of("id", id, "part-id", partId)), COMMAND_TIMEOUT);
    }

    /** Places one part on the best node that takes it, trying the next when one refuses. */
    private boolean place(Active entry, int part, RecordingId partId, Set<String> avoid) {
        Set<String> excluded = new HashSet<>(avoid);
        while (true) {
            Optional<NodeView> choice = Placement.choose(roster.nodes(), excluded);
            if (choice.isEmpty()) {
                return false;
            }
            String node = choice.get().name();
            roster.reserve(node);
            if (!sessions.assign(entry.session, node, part, partId, new SessionState.Starting(Instant.now()))) {
                log.warn("fleet: {} moved on elsewhere ({}); not placing it", entry.order, entry.session.state());
                return false;
            }
            entry.placed = new Placed(node, part, partId, Instant.now());
            try {
                room.send(node, entry.order.command(part, partId.value(), Instant.now()), COMMAND_TIMEOUT);
                sessions.moveTo(entry.session, new SessionState.Pending(Instant.now()));
                log.info("fleet: {} part {} ({}) placed on {}", entry.order, part, partId, node);
                return true;
            } catch (FleetCommandException e) {
                log.info("fleet: {} refused {} part {}: {}", node, entry.order.id(), part, e.getMessage());
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
                    sessions.moveTo(entry.session, new SessionState.On(Instant.now()));
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
                    sendStop(view.name(), report.id(), report.partId());
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
        if (report.state() == NodeReport.PartState.FAILED) {
            // The node's text is the recorder's failure; another node may succeed where this one failed.
            sessions.moveTo(entry.session, new SessionState.Failed(Instant.now(), SessionFailure.read(reason, true)));
            active.remove(entry.session.recordingId());
        } else {
            sessions.moveTo(entry.session, new SessionState.Finalizing(Instant.now(), reason));
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
            if (entry.session.state() instanceof SessionState.Stopping) {
                // It was ending anyway: what reached the store is the last part.
                entry.finalizing = true;
                sessions.moveTo(entry.session, new SessionState.Finalizing(Instant.now(),
                        "node " + node + " vanished while stopping"));
                continue;
            }
            int next = placed.part() + 1;
            RecordingId nextId = RecordingId.generate();
            log.warn("fleet: node {} vanished with {}; continuing as part {} elsewhere", node, entry.order, next);
            if (!place(entry, next, nextId, Set.of(node))) {
                entry.finalizing = true;
                active.remove(entry.session.recordingId());
                sessions.moveTo(entry.session, new SessionState.Failed(Instant.now(),
                        new SessionFailure(FailureReason.NODE_LOST,
                                "node " + node + " vanished and no other node could take the recording", true)));
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
        boolean keepsFile = !entry.order.mode().equals("stream");
        Optional<RecordingEntry> part = keepsFile ? archive.catalog().find(placed.partId()) : Optional.empty();
        if (keepsFile && part.isPresent() && !part.get().status().isFinal()) {
            return;
        }
        active.remove(entry.session.recordingId());
        sessions.moveTo(entry.session, new SessionState.Done(Instant.now()));
    }

    private String describeNodes() {
        List<NodeView> nodes = roster.nodes();
        if (nodes.isEmpty()) {
            return "no node is in the pool";
        }
        return String.join(", ", nodes.stream().map(node -> node.name() + (node.report().draining() ? " draining"
                : " " + node.report().free() + " free")).toList());
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
