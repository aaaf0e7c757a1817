package dev.capstan.scheduler.fleet.placement;

import dev.capstan.scheduler.fleet.protocol.NodeReport;
import java.time.Instant;

/** A node as the pool MUC shows it: its latest report and when it came. */
public record NodeView(String name, NodeReport report, Instant seenAt) {

    /** Whether it takes a recording with picture: on an idle slot, at once. */
    public boolean canTake() {
        return !report.draining() && report.free() > 0;
    }

    /**
     * Whether it takes an audio-only recording: on an idle slot, or on one it adds (a few seconds' warm-up) while
     * its recordings leave CPU in their budget. The node has the last word; one that refuses is passed over.
     */
    public boolean canTakeAudioOnly() {
        return canTake() || !report.draining() && report.spare() > 0 && report.load() < 1;
    }
}
