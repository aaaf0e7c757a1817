package dev.capstan.scheduler.fleet.agent;

import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.live.InvalidStreamUrlException;
import dev.capstan.recorder.live.StreamPolicy;
import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.node.BusyReason;
import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeBusyException;
import dev.capstan.recorder.node.NodeStatus;
import dev.capstan.recorder.slot.PauseRefusedException;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.fleet.protocol.FleetIq;
import dev.capstan.scheduler.fleet.protocol.NodeReport.PartState;
import dev.capstan.scheduler.fleet.protocol.NodeReport;
import dev.capstan.scheduler.fleet.protocol.PoolRoom;
import dev.capstan.scheduler.fleet.protocol.StreamsJson;
import dev.capstan.scheduler.plan.Part;
import dev.capstan.scheduler.plan.PlanJson;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.scheduler.pool.Capacity;
import dev.capstan.scheduler.pool.Draining;
import dev.capstan.scheduler.pool.EmbeddedCapacity;
import dev.capstan.scheduler.pool.FleetProperties;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.session.SessionFailure;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.StanzaError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * A recorder node in a fleet: it sits in the pool MUC, says in its presence what it can take and what it records,
 * and records what schedulers command. Its recordings go to the shared catalog and store exactly as on a single
 * host. Stopping it (SIGTERM) drains it: it takes nothing new, finishes what it records, then leaves.
 */
public final class NodeAgent implements SmartLifecycle, Draining {

    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);
    /** An ended recording stays in the presence this long, for schedulers that were reconnecting. */
    private static final Duration ENDED_KEPT = Duration.ofSeconds(60);
    /**
     * How long an audio-only recording placed here waits for a slot this node adds for it (a warm-up takes 3 to
     * 5 s), within the scheduler's 10-s command timeout; then it is refused, and placed elsewhere.
     */
    private static final Duration SLOT_GROWTH_WAIT = Duration.ofSeconds(8);

    private final Node node;
    private final Recordings recordings;
    private final StreamPolicy streamPolicy;
    private final Duration presenceInterval;
    private final Duration drainTimeout;
    private final double cpuBudget;
    private final PoolRoom room;
    /** How long a pause may last before the recording ends ({@code capstan.recording.max-pause}). */
    private final Duration maxPause;
    private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "node-agent");
        thread.setDaemon(true);
        return thread;
    });
    private volatile boolean draining;
    private volatile boolean running;
    private volatile NodeReport lastPublished;

    /** One part this node records, as its presence reports it. */
    private static final class Tracked {
        final String id;
        final String partId;
        final int part;
        volatile Recording recording;
        volatile PartState state = PartState.PENDING;
        volatile Optional<String> reason = Optional.empty();
        volatile Optional<SessionFailure> failure = Optional.empty();
        volatile CaptureProgress last;
        volatile Instant endedAt;

        Tracked(String id, String partId, int part) {
            this.id = id;
            this.partId = partId;
            this.part = part;
        }
    }

    public NodeAgent(FleetProperties fleet, Node node, Recordings recordings, StreamPolicy streamPolicy,
            Duration drainTimeout, double cpuBudget, String nickname, Duration maxPause)
            throws IOException {
        this.maxPause = maxPause;
        this.node = node;
        this.recordings = recordings;
        this.streamPolicy = streamPolicy;
        this.presenceInterval = fleet.presenceInterval();
        this.drainTimeout = drainTimeout;
        this.cpuBudget = cpuBudget;
        this.room = new PoolRoom(fleet.xmpp(), nickname, () -> Optional.of(report()));
        room.onCommand(this::handle);
    }

    public String name() {
        return room.nick();
    }

    @Override
    public boolean isDraining() {
        return draining;
    }

    public boolean isJoined() {
        return room.isJoined();
    }

    /** Stops or resumes taking new recordings; the ones running go on either way. */
    public void drain(boolean drain) {
        if (draining != drain) {
            draining = drain;
            log.info("node {}: {}", name(), drain ? "draining: no new recordings" : "taking recordings again");
            room.republish();
        }
    }

    /** What this node's presence says now. */
    NodeReport report() {
        NodeStatus status = node.status();
        // The same figures as this node's own capstan_* gauges: free slots as admission sees them, and its
        // recordings' CPU over their budget.
        Capacity.Snapshot capacity = EmbeddedCapacity.of(status, cpuBudget, draining);
        Instant now = Instant.now();
        List<NodeReport.RecordingReport> reports = new ArrayList<>();
        for (Tracked t : tracked.values()) {
            if (t.endedAt != null && Duration.between(t.endedAt, now).compareTo(ENDED_KEPT) > 0) {
                tracked.remove(t.partId, t);
                continue;
            }
            CaptureProgress progress = t.last;
            reports.add(new NodeReport.RecordingReport(t.id, t.partId, t.part, t.state,
                    progress == null ? 0 : progress.recorded().toMillis() / 1000.0,
                    progress == null ? 0 : progress.fps(), progress == null ? 0 : progress.speed(),
                    progress == null ? 0 : progress.bytes(), t.reason, t.failure,
                    recordings.trackCapture(RecordingId.of(t.partId))));
        }
        // Slots it could add, while nothing holds it back but the want of an idle slot.
        boolean growable = !draining && status.overload().isEmpty() && status.busy()
                .map(hold -> hold.reason() == BusyReason.NO_IDLE_SLOT || hold.reason() == BusyReason.CPU).orElse(true);
        return new NodeReport(status.slots().size(), capacity.freeSlots(), capacity.busySlots(), capacity.queued(),
                capacity.loadRatio(), draining, reports, growable ? status.slotCount().spare() : 0);
    }

    private IQ handle(FleetIq command) {
        Optional<FleetIq.Action> action = command.action();
        if (action.isEmpty()) {
            return error(command, StanzaError.Condition.bad_request, "unknown action '" + command.actionName() + "'");
        }
        return switch (action.get()) {
            case RECORD -> record(command);
            case STOP -> stop(command);
            case STREAMS -> streams(command);
            case ADD_STREAM -> addStream(command);
            case REMOVE_STREAM -> removeStream(command);
            case PAUSE -> pauseOrResume(command, true);
            case RESUME -> pauseOrResume(command, false);
            case DRAIN -> {
                drain(true);
                yield IQ.createResultIQ(command);
            }
            case UNDRAIN -> {
                drain(false);
                yield IQ.createResultIQ(command);
            }
        };
    }

    private IQ record(FleetIq command) {
        if (draining || !running) {
            return error(command, StanzaError.Condition.service_unavailable, "node " + name() + " is draining");
        }
        RecordingPlan plan;
        Part part;
        Tracked entry;
        try {
            FleetIq.PartAddress target = command.target().orElseThrow(() -> missing("id and part-id"));
            plan = PlanJson.read(command.planJson().orElseThrow(() -> missing("plan")));
            URI address = plan.meeting().address();
            if (!"http".equals(address.getScheme()) && !"https".equals(address.getScheme())) {
                throw new IllegalArgumentException("the meeting's address must be http or https");
            }
            for (StreamUrl stream : plan.streams()) {
                // This node's own allow-list holds too: the plan may come from a scheduler configured otherwise.
                streamPolicy.check(stream.reveal());
            }
            part = new Part(target.part(), RecordingId.of(target.partId()));
            entry = new Tracked(plan.id().value(), part.id().value(), part.number());
        } catch (InvalidStreamUrlException e) {
            return error(command, StanzaError.Condition.bad_request, e.getMessage());
        } catch (PlanJson.MalformedPlanException | RuntimeException e) {
            return error(command, StanzaError.Condition.bad_request, "malformed record command: " + e.getMessage());
        }
        if (tracked.putIfAbsent(entry.partId, entry) != null) {
            // A scheduler that did not hear our answer asks again: it is the same recording.
            return IQ.createResultIQ(command);
        }
        try {
            Duration wait = plan.audioOnly() && node.status().slotCount().spare() > 0 ? SLOT_GROWTH_WAIT : Duration.ZERO;
            Recording recording = recordings.start(plan, part, wait, event -> follow(entry, event)).join();
            entry.recording = recording;
            log.info("node {}: {} part {} ({}) on {}", name(), plan, entry.part, entry.partId, recording.slotName());
            room.republish();
            return IQ.createResultIQ(command);
        } catch (CompletionException e) {
            tracked.remove(entry.partId, entry);
            Throwable cause = e.getCause();
            if (cause instanceof NodeBusyException busy) {
                return error(command, StanzaError.Condition.service_unavailable, busy.getMessage());
            }
            return error(command, StanzaError.Condition.internal_server_error, String.valueOf(cause.getMessage()));
        } catch (IllegalArgumentException e) {
            // This node cannot open the meeting (a Jibri environment it does not have): another node may.
            tracked.remove(entry.partId, entry);
            return error(command, StanzaError.Condition.service_unavailable, e.getMessage());
        } catch (IOException e) {
            tracked.remove(entry.partId, entry);
            return error(command, StanzaError.Condition.internal_server_error, "cannot file it: " + e.getMessage());
        }
    }

    private void follow(Tracked entry, SlotEvent event) {
        PartState before = entry.state;
        if (event instanceof SlotEvent.FirstFrameWritten) {
            entry.state = PartState.ON;
        } else if (event instanceof SlotEvent.StreamChanged changed && changed.stream().connected()
                && entry.state == PartState.PENDING) {
            entry.state = PartState.ON;
        } else if (event instanceof SlotEvent.Progress progress) {
            entry.last = progress.progress();
        } else if (event instanceof SlotEvent.Stopped stopped) {
            entry.last = stopped.last();
            entry.reason = Optional.of(stopped.cause().toString());
            entry.endedAt = Instant.now();
            entry.state = PartState.STOPPED;
        } else if (event instanceof SlotEvent.Failed failed) {
            entry.reason = Optional.of(failed.failure().toString());
            entry.failure = Optional.of(SessionFailure.of(failed.failure()));
            entry.endedAt = Instant.now();
            entry.state = PartState.FAILED;
        }
        if (entry.state != before) {
            log.info("node {}: recording {} part {}: {}", name(), entry.id, entry.part, entry.state.wireName());
            room.republish();
        }
    }

    private IQ stop(FleetIq command) {
        List<Tracked> matching = tracked.values().stream()
                .filter(t -> command.target().map(target -> t.partId.equals(target.partId())).orElse(false))
                .filter(t -> t.endedAt == null && t.recording != null)
                .toList();
        if (matching.isEmpty()) {
            return error(command, StanzaError.Condition.item_not_found, "no such recording on node " + name());
        }
        for (Tracked t : matching) {
            t.state = PartState.STOPPING;
            t.recording.stop();
        }
        room.republish();
        return IQ.createResultIQ(command);
    }

    /** The part a command is about, while it records here. */
    private Optional<Recording> recordingOf(FleetIq command) {
        return command.target().map(target -> tracked.get(target.partId()))
                .filter(t -> t.endedAt == null && t.recording != null).map(t -> t.recording);
    }

    private IQ streams(FleetIq command) {
        return recordingOf(command)
                .<IQ>map(recording -> FleetIq.answer(command, StreamsJson.write(recording.streams())))
                .orElseGet(() -> notRecording(command));
    }

    private IQ addStream(FleetIq command) {
        Optional<Recording> recording = recordingOf(command);
        if (recording.isEmpty()) {
            return notRecording(command);
        }
        try {
            StreamUrl url = streamPolicy.check(command.streamUrl().orElseThrow(() -> missing("stream url")));
            StreamStats added = recording.get().addStream(url);
            log.info("node {}: recording {} also streams to {} as {}", name(), command.target().get().id(), url,
                    added.id());
            return FleetIq.answer(command, StreamsJson.write(List.of(added)));
        } catch (InvalidStreamUrlException | IllegalArgumentException e) {
            return error(command, StanzaError.Condition.bad_request, e.getMessage());
        } catch (IllegalStateException refused) {
            // The recorder's refusals are written for the caller: no live output, not capturing, there, full.
            return error(command, StanzaError.Condition.conflict, refused.getMessage());
        }
    }

    private IQ removeStream(FleetIq command) {
        Optional<Recording> recording = recordingOf(command);
        if (recording.isEmpty()) {
            return notRecording(command);
        }
        String streamId = command.streamId().orElse("");
        if (!recording.get().removeStream(streamId)) {
            return error(command, StanzaError.Condition.item_not_found, "no stream '" + streamId + "'");
        }
        log.info("node {}: recording {} no longer streams to {}", name(), command.target().get().id(), streamId);
        return IQ.createResultIQ(command);
    }

    /** Pauses or resumes the part; the answer says when and where in its media, or why not (a conflict). */
    private IQ pauseOrResume(FleetIq command, boolean pause) {
        Optional<Recording> recording = recordingOf(command);
        if (recording.isEmpty()) {
            return notRecording(command);
        }
        try {
            FleetIq.PauseMark mark;
            if (pause) {
                SlotEvent.Paused paused = recording.get().pause(maxPause);
                mark = new FleetIq.PauseMark(paused.at(), paused.position(), Optional.empty());
            } else {
                SlotEvent.Resumed resumed = recording.get().resume();
                mark = new FleetIq.PauseMark(resumed.at(), resumed.position(), Optional.of(resumed.pausedFor()));
            }
            log.info("node {}: recording {} {} at {} ms of media", name(), command.target().get().id(),
                    pause ? "paused" : "resumed", mark.position().toMillis());
            return FleetIq.answer(command, mark);
        } catch (PauseRefusedException refused) {
            return IQ.createErrorResponse(command, PoolRoom.pauseRefused(refused));
        }
    }

    private IQ notRecording(FleetIq command) {
        return error(command, StanzaError.Condition.item_not_found, "node " + name() + " does not record "
                + command.target().map(FleetIq.PartAddress::partId).orElse("it") + " now");
    }

    private static IllegalArgumentException missing(String attribute) {
        return new IllegalArgumentException("'" + attribute + "' is required");
    }

    private static IQ error(IQ request, StanzaError.Condition condition, String text) {
        return IQ.createErrorResponse(request, StanzaError.getBuilder(condition).setDescriptiveEnText(text).build());
    }

    /** Re-publishes while recording (progress) and whenever capacity changed (a slot warmed up or broke). */
    private void tick() {
        try {
            NodeReport now = report();
            boolean recording = now.recordings().stream().anyMatch(r -> !r.ended());
            NodeReport before = lastPublished;
            boolean capacityChanged = before == null || before.free() != now.free() || before.busy() != now.busy()
                    || before.slots() != now.slots() || before.spare() != now.spare()
                    || before.recordings().size() != now.recordings().size();
            if (recording || capacityChanged) {
                lastPublished = now;
                room.republish();
            }
        } catch (RuntimeException e) {
            log.warn("node {}: presence update failed: {}", name(), e.toString());
        }
    }

    private long running() {
        return tracked.values().stream().filter(t -> t.endedAt == null).count();
    }

    @Override
    public void start() {
        running = true;
        room.start();
        ticker.scheduleWithFixedDelay(this::tick, presenceInterval.toMillis(), presenceInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Drains: waits for the recordings to finish (up to the drain timeout), then leaves the pool. */
    @Override
    public void stop() {
        drain(true);
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (running() > 0 && System.nanoTime() < deadline) {
            log.info("node {}: draining, {} recordings still running", name(), running());
            try {
                TimeUnit.SECONDS.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        running = false;
        ticker.shutdownNow();
        room.close();
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
