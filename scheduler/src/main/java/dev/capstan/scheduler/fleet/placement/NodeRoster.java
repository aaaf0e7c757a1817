package dev.capstan.scheduler.fleet.placement;

import dev.capstan.scheduler.fleet.protocol.NodeReport;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jivesoftware.smack.packet.Presence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes a scheduler sees in the pool MUC, from their presence: a node is there from its first presence with a
 * {@code <node/>} report until its unavailable presence, which Prosody sends as soon as the node's connection
 * ends (a killed process included).
 */
public final class NodeRoster {

    private static final Logger log = LoggerFactory.getLogger(NodeRoster.class);

    private final Map<String, NodeView> nodes = new ConcurrentHashMap<>();
    private final List<Consumer<NodeView>> changed = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> gone = new CopyOnWriteArrayList<>();

    public void onChanged(Consumer<NodeView> listener) {
        changed.add(listener);
    }

    public void onGone(Consumer<String> listener) {
        gone.add(listener);
    }

    /** Takes one occupant's presence. */
    public void update(String nick, Presence presence) {
        if (presence.getType() == Presence.Type.unavailable) {
            if (nodes.remove(nick) != null) {
                log.warn("pool: node {} left", nick);
                gone.forEach(listener -> listener.accept(nick));
            }
            return;
        }
        NodeReport report = presence.getExtension(NodeReport.class);
        if (report == null) {
            return; // a scheduler, or something else sharing the room
        }
        NodeView view = new NodeView(nick, report, Instant.now());
        if (nodes.put(nick, view) == null) {
            log.info("pool: node {} joined ({} slots, {} free)", nick, report.slots(), report.free());
        }
        changed.forEach(listener -> listener.accept(view));
    }

    /**
     * Drops a node that is still in the room but has gone silent (a frozen process, a host cut off without its
     * connection closing): it is gone for placement until it speaks again.
     */
    void forget(String nick, Instant silentSince, String why) {
        NodeView view = nodes.get(nick);
        // Not if it spoke meanwhile.
        if (view != null && !view.seenAt().isAfter(silentSince) && nodes.remove(nick, view)) {
            log.warn("pool: node {} {}", nick, why);
            gone.forEach(listener -> listener.accept(nick));
        }
    }

    public List<NodeView> nodes() {
        return nodes.values().stream().sorted(java.util.Comparator.comparing(NodeView::name)).toList();
    }

    public Optional<NodeView> node(String name) {
        return Optional.ofNullable(nodes.get(name));
    }

    /** A node that is about to take a recording counts it as busy until its next report says so itself. */
    void reserve(String name) {
        nodes.computeIfPresent(name, (key, view) -> {
            NodeReport r = view.report();
            return new NodeView(key, new NodeReport(r.slots(), Math.max(0, r.free() - 1), r.busy() + 1, r.queued(),
                    r.load(), r.draining(), r.recordings(), r.free() > 0 ? r.spare() : Math.max(0, r.spare() - 1)),
                    view.seenAt());
        });
    }
}
