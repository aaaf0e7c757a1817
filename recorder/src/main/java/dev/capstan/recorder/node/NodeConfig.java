package dev.capstan.recorder.node;

import dev.capstan.recorder.slot.SlotConfig;
import java.time.Duration;
import java.util.Objects;

/**
 * How a node runs its slots and decides what it can take on. {@link #defaults()} suits a small host: the slot
 * count follows from the cores and the measured cost of a 720p30 recording.
 *
 * @param slots              how many slots to keep; 0 means as many as the CPU budget holds at {@code cpuPerRecording},
 *                           {@link #NO_SLOTS} none (a scheduler that places recordings on other hosts only)
 * @param maxQueueLength     requests that may wait for a slot at once; more are refused as busy
 * @param recycleAfterUses   rebuild a slot after this many recordings; 0 means never
 * @param recycleAfterAge    rebuild a slot once it has been warm this long; zero means never
 * @param cpuPerRecording    cores reserved for a recording until its own use has been measured
 * @param memoryPerRecording bytes reserved for a recording until its own use has been measured
 * @param cpuBudget          share of all cores that recordings may use together (1.0 = every core)
 * @param memoryReserve      bytes of memory never handed out
 * @param overloadSpeed      an encoder slower than this (relative to real time) over {@code speedWindow} means
 *                           the host is overloaded
 * @param speedWindow        the span over which encoder speed and CPU use are measured
 * @param healthCheckInterval how often idle slots are checked
 */
public record NodeConfig(
        SlotConfig slot,
        int slots,
        int maxQueueLength,
        int recycleAfterUses,
        Duration recycleAfterAge,
        double cpuPerRecording,
        long memoryPerRecording,
        double cpuBudget,
        long memoryReserve,
        double overloadSpeed,
        Duration speedWindow,
        Duration healthCheckInterval) {

    /** Measured on a 2-vCPU host: about 0.9 core and 0.65 GB for one 720p30 recording of a light page. */
    public static final double DEFAULT_CPU_PER_RECORDING = 0.9;
    public static final long DEFAULT_MEMORY_PER_RECORDING = 700L << 20;
    public static final int NO_SLOTS = -1;

    public NodeConfig {
        Objects.requireNonNull(slot, "slot");
        if (slots < NO_SLOTS || maxQueueLength < 0 || recycleAfterUses < 0) {
            throw new IllegalArgumentException("slots, maxQueueLength and recycleAfterUses must not be negative");
        }
        if (cpuPerRecording <= 0 || cpuBudget <= 0 || memoryPerRecording < 0 || memoryReserve < 0) {
            throw new IllegalArgumentException("cpuPerRecording and cpuBudget must be positive, memory not negative");
        }
        if (recycleAfterAge.isNegative() || speedWindow.isNegative() || speedWindow.isZero()
                || healthCheckInterval.isNegative() || healthCheckInterval.isZero()) {
            throw new IllegalArgumentException("durations must be positive (recycleAfterAge may be zero)");
        }
    }

    public static NodeConfig defaults(SlotConfig slot) {
        return new NodeConfig(slot, 0, 100, 0, Duration.ZERO, DEFAULT_CPU_PER_RECORDING,
                DEFAULT_MEMORY_PER_RECORDING, 1.0, 512L << 20, 0.98, Duration.ofSeconds(10), Duration.ofSeconds(5));
    }

    /** The number of slots to keep on a host with this many cores. */
    public int slotCount(int cores) {
        if (slots == NO_SLOTS) {
            return 0;
        }
        return slots > 0 ? slots : Math.max(1, (int) Math.floor(cores * cpuBudget / cpuPerRecording + 1e-9));
    }

    public NodeConfig withSlots(int value) {
        return new NodeConfig(slot, value, maxQueueLength, recycleAfterUses, recycleAfterAge, cpuPerRecording,
                memoryPerRecording, cpuBudget, memoryReserve, overloadSpeed, speedWindow, healthCheckInterval);
    }

    public NodeConfig withRecycling(int afterUses, Duration afterAge) {
        return new NodeConfig(slot, slots, maxQueueLength, afterUses, afterAge, cpuPerRecording,
                memoryPerRecording, cpuBudget, memoryReserve, overloadSpeed, speedWindow, healthCheckInterval);
    }

    public NodeConfig withHealthCheckInterval(Duration value) {
        return new NodeConfig(slot, slots, maxQueueLength, recycleAfterUses, recycleAfterAge, cpuPerRecording,
                memoryPerRecording, cpuBudget, memoryReserve, overloadSpeed, speedWindow, value);
    }
}
