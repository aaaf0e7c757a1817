package dev.capstan.scheduler.fleet.placement;

import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.slot.PauseRefusedException;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.fleet.protocol.FleetCommandException;
import dev.capstan.scheduler.fleet.protocol.FleetIq;
import dev.capstan.scheduler.fleet.protocol.PoolRoom;
import dev.capstan.scheduler.fleet.protocol.StreamsJson;
import dev.capstan.scheduler.session.RunningSession;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.StreamChangeRefusedException;
import dev.capstan.storage.archive.RecordingId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A session on a fleet node, reached where it runs now: through this scheduler's placement of it or, for one
 * another scheduler drives, through its stored row. Its destinations are read and changed by commands to that
 * node; the node's answers are written for the caller.
 */
final class RemoteSession implements RunningSession {

    /** Where a session's current part runs, for a command about it. */
    record Target(String node, FleetIq.PartAddress address) {
    }

    private final FleetSessions fleet;
    private final PoolRoom room;
    private final RecordingId id;

    RemoteSession(FleetSessions fleet, PoolRoom room, RecordingId id) {
        this.fleet = fleet;
        this.room = room;
        this.id = id;
    }

    @Override
    public Session session() {
        return fleet.session(id);
    }

    @Override
    public CompletableFuture<Void> stop() {
        fleet.stop(id);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public SlotEvent.Paused pause() throws PauseRefusedException {
        FleetIq.PauseMark mark = pauseOrResume(FleetIq.Action.PAUSE);
        fleet.paused(id, mark);
        return new SlotEvent.Paused(id, mark.at(), mark.position());
    }

    @Override
    public SlotEvent.Resumed resume() throws PauseRefusedException {
        FleetIq.PauseMark mark = pauseOrResume(FleetIq.Action.RESUME);
        fleet.resumed(id, mark);
        return new SlotEvent.Resumed(id, mark.at(), mark.position(), mark.pausedFor().orElse(Duration.ZERO));
    }

    /** Has the node pause or resume the part; its refusal comes back with the recorder's reason. */
    private FleetIq.PauseMark pauseOrResume(FleetIq.Action action) throws PauseRefusedException {
        Optional<Target> target = fleet.target(id);
        if (target.isEmpty()) {
            throw new PauseRefusedException(PauseRefusedException.Reason.NOT_CAPTURING,
                    "it is not running on a node now");
        }
        try {
            return room.send(target.get().node(), FleetIq.command(action, target.get().address()),
                            FleetSessions.PAUSE_TIMEOUT).flatMap(FleetIq::pause)
                    .orElseThrow(() -> new PauseRefusedException(PauseRefusedException.Reason.NOT_CAPTURING,
                            "node " + target.get().node() + " did not say what it did"));
        } catch (FleetCommandException e) {
            if (e.pauseRefused().isPresent()) {
                throw new PauseRefusedException(e.pauseRefused().get(), e.getMessage());
            }
            throw new PauseRefusedException(PauseRefusedException.Reason.NOT_CAPTURING,
                    refused(target.get(), e).getMessage());
        }
    }

    @Override
    public List<StreamStats> streams() throws StreamChangeRefusedException {
        Target target = target();
        return StreamsJson.read(send(target, FleetIq.command(FleetIq.Action.STREAMS, target.address()))
                .flatMap(FleetIq::streamsJson).orElse("[]"));
    }

    @Override
    public StreamStats addStream(StreamUrl url) throws StreamChangeRefusedException {
        Target target = target();
        List<StreamStats> added = StreamsJson.read(send(target,
                FleetIq.addStream(target.address(), url.reveal())).flatMap(FleetIq::streamsJson).orElse("[]"));
        if (added.isEmpty()) {
            throw new StreamChangeRefusedException("node " + target.node() + " did not say what it added");
        }
        fleet.replan(id, plan -> plan.withStream(url));
        return added.get(0);
    }

    @Override
    public boolean removeStream(String streamId) throws StreamChangeRefusedException {
        Target target = target();
        // Which destination it is, by its masked address: the only form the node shows.
        Optional<String> masked = streams().stream().filter(stream -> stream.id().equals(streamId))
                .map(StreamStats::url).findFirst();
        if (masked.isEmpty()) {
            return false;
        }
        try {
            room.send(target.node(), FleetIq.removeStream(target.address(), streamId), FleetSessions.COMMAND_TIMEOUT);
        } catch (FleetCommandException e) {
            if (e.problem() == FleetCommandException.Problem.NOT_FOUND) {
                return false;
            }
            throw refused(target, e);
        }
        fleet.replan(id, plan -> plan.streams().stream().filter(url -> url.masked().equals(masked.get()))
                .findFirst().map(plan::withoutStream).orElse(plan));
        return true;
    }

    private Target target() throws StreamChangeRefusedException {
        return fleet.target(id).orElseThrow(() -> new StreamChangeRefusedException("it is not running on a node now"));
    }

    private Optional<FleetIq> send(Target target, FleetIq command) throws StreamChangeRefusedException {
        try {
            return room.send(target.node(), command, FleetSessions.COMMAND_TIMEOUT);
        } catch (FleetCommandException e) {
            throw refused(target, e);
        }
    }

    private static StreamChangeRefusedException refused(Target target, FleetCommandException e) {
        return new StreamChangeRefusedException(switch (e.problem()) {
            case TIMEOUT, NOT_CONNECTED -> "its node " + target.node() + " cannot be reached now";
            case NOT_FOUND -> "it is not capturing on node " + target.node() + " now";
            default -> e.getMessage();
        });
    }
}
