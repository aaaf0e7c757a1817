package dev.capstan.scheduler.fleet.placement;

import dev.capstan.scheduler.fleet.protocol.FleetCommandException;
import dev.capstan.scheduler.fleet.protocol.FleetIq;
import dev.capstan.scheduler.fleet.protocol.NodeReport;
import dev.capstan.scheduler.fleet.protocol.PoolRoom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/nodes}: the fleet's nodes as the pool MUC shows them, and draining one (it finishes its recordings
 * and takes no new ones) or putting it back to work.
 */
@RestController
@RequestMapping("/api/v1/nodes")
@ConditionalOnProperty(name = "capstan.fleet.role", havingValue = "scheduler")
class NodesController {

    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

    private final NodeRoster roster;
    private final PoolRoom room;

    NodesController(NodeRoster roster, PoolRoom room) {
        this.roster = roster;
        this.room = room;
    }

    record RecordingView(String id, String partId, int part, String state, double seconds, double fps, double speed,
            long bytes) {
    }

    record NodeJson(String name, int slots, int free, int busy, int queued, double load, boolean draining,
            Instant seenAt, List<RecordingView> recordings) {

        static NodeJson of(NodeView view) {
            NodeReport r = view.report();
            return new NodeJson(view.name(), r.slots(), r.free(), r.busy(), r.queued(), r.load(), r.draining(),
                    view.seenAt(), r.recordings().stream().map(rec -> new RecordingView(rec.id(), rec.partId(),
                            rec.part(), rec.state().wireName(), rec.seconds(), rec.fps(), rec.speed(), rec.bytes())).toList());
        }
    }

    @GetMapping
    List<NodeJson> list() {
        return roster.nodes().stream().map(NodeJson::of).toList();
    }

    @PostMapping("/{name}/drain")
    ResponseEntity<?> drain(@PathVariable String name) {
        return command(name, FleetIq.Action.DRAIN);
    }

    @DeleteMapping("/{name}/drain")
    ResponseEntity<?> undrain(@PathVariable String name) {
        return command(name, FleetIq.Action.UNDRAIN);
    }

    private ResponseEntity<?> command(String name, FleetIq.Action action) {
        if (roster.node(name).isEmpty()) {
            return ResponseEntity.status(HttpStatus.NOT_FOUND)
                    .body(Map.of("error", "no node named '" + name + "' is in the pool"));
        }
        try {
            room.send(name, FleetIq.command(action), COMMAND_TIMEOUT);
            return ResponseEntity.accepted().body(Map.of("node", name, "draining", action == FleetIq.Action.DRAIN));
        } catch (FleetCommandException e) {
            return ResponseEntity.status(HttpStatus.BAD_GATEWAY)
                    .body(Map.of("error", "node " + name + " did not take it: " + e.getMessage()));
        }
    }
}
