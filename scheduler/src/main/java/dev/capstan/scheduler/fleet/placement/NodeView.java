package dev.capstan.scheduler.fleet.placement;

import dev.capstan.scheduler.fleet.protocol.NodeReport;
import java.time.Instant;

/** A node as the pool MUC shows it: its latest report and when it came. */
public record NodeView(String name, NodeReport report, Instant seenAt) {

    public boolean canTake() {
        return !report.draining() && report.free() > 0;
    }
}
