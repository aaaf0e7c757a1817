package dev.capstan.recorder.node;

import dev.capstan.recorder.capture.CaptureMedia;
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
 * @param queueTimeout       how long a caller that can wait (REST, Jibri's HTTP API, the demo) waits for room
 * @param recycleAfterUses   rebuild a slot after this many recordings; 0 means never
 * @param recycleAfterAge    rebuild a slot once it has been warm this long; zero means never
 * @param cpuPerRecording    cores reserved for a recording until its own use has been measured
 * @param memoryPerRecording bytes reserved for a recording until its own use has been measured
 * @param cpuBudget          share of all cores that recordings may use together (1.0 = every core), before foreign
 *                           load (everything but our slots' processes) is taken off
 * @param memoryReserve      bytes of memory never handed out
 * @param overloadSpeed      an encoder slower than this (relative to real time) over {@code speedWindow} means
 *                           the host is overloaded
 * @param overloadFpsShare   a recording delivering less than this share of its target frame rate (frames minus
 *                           duplicates) over {@code speedWindow} means the host is overloaded; capture that drops
 *                           frames at the source keeps its speed near 1, so speed alone would not show it
 * @param speedWindow        the span over which encoder speed, delivered frame rate and CPU use are measured
 * @param healthCheckInterval how often idle slots are checked
 * @param foreignLoadWindow  time constant of the moving average of foreign load: a swing much shorter than this
 *                           barely moves what admission sees
 * @param admissionHold      a verdict driven by load (CPU, memory, overload) holds at least this long before it
 *                           may turn; a slot starting, ending or freeing up changes it at once
 * @param admissionMargin    cores that must be left over, beyond another recording, before a node holding for
 *                           CPU admits again (hysteresis)
 * @param cpuPerAudioRecording cores reserved for an audio-only recording until its own use has been measured: its
 *                           slot still runs the page, but nothing grabs or encodes a picture
 * @param maxSlots           how many slots the pool may grow to while a waiting request would be admitted at its own
 *                           estimate but no slot is idle; 0 means, when {@code slots} is derived too, as many as the
 *                           CPU budget holds at {@code cpuPerAudioRecording} and memory at {@code memoryPerRecording},
 *                           and with a {@code slots} set, exactly that many; never below the base
 * @param slotLinger         how long a slot beyond the base stays idle before it is stopped
 */
public record NodeConfig(
        SlotConfig slot,
        int slots,
        int maxQueueLength,
        Duration queueTimeout,
        int recycleAfterUses,
        Duration recycleAfterAge,
        double cpuPerRecording,
        long memoryPerRecording,
        double cpuBudget,
        long memoryReserve,
        double overloadSpeed,
        double overloadFpsShare,
        Duration speedWindow,
        Duration healthCheckInterval,
        Duration foreignLoadWindow,
        Duration admissionHold,
        double admissionMargin,
        double cpuPerAudioRecording,
        int maxSlots,
        Duration slotLinger) {

    /** Measured on a 2-vCPU host: about 0.9 core and 0.65 GB for one 720p30 recording of a light page. */
    public static final double DEFAULT_CPU_PER_RECORDING = 0.9;
    public static final long DEFAULT_MEMORY_PER_RECORDING = 700L << 20;
    /**
     * An audio-only recording of the demo page measured 0.06 to 0.09 core above its idle slot on the same host
     * (FFmpeg 0.05, PulseAudio 0.02, the hidden page about 0.01: bench section 7), 0.09 as its node measured it;
     * a meeting page does more than the demo, and the estimate learns from what runs.
     */
    public static final double DEFAULT_CPU_PER_AUDIO_RECORDING = 0.15;
    public static final int NO_SLOTS = -1;
    /**
     * Long enough that a burst of short recordings, or the next part of one, finds the extra slot still warm (a
     * warm-up costs a browser start: about 3 s of both cores); short enough that an idle browser does not keep
     * its 300 MB for long.
     */
    public static final Duration DEFAULT_SLOT_LINGER = Duration.ofSeconds(30);

    public NodeConfig {
        Objects.requireNonNull(slot, "slot");
        if (slots < NO_SLOTS || maxQueueLength < 0 || recycleAfterUses < 0 || maxSlots < 0) {
            throw new IllegalArgumentException("slots, maxSlots, maxQueueLength and recycleAfterUses must not be negative");
        }
        if (cpuPerRecording <= 0 || cpuPerAudioRecording <= 0 || cpuBudget <= 0 || memoryPerRecording < 0 || memoryReserve < 0) {
            throw new IllegalArgumentException("cpuPerRecording, cpuPerAudioRecording and cpuBudget must be positive, "
                    + "memory not negative");
        }
        if (overloadFpsShare < 0 || overloadFpsShare > 1 || admissionMargin < 0) {
            throw new IllegalArgumentException("overloadFpsShare must be within 0..1, admissionMargin not negative");
        }
        Objects.requireNonNull(admissionHold, "admissionHold");
        if (queueTimeout.isNegative() || recycleAfterAge.isNegative() || !positive(speedWindow)
                || !positive(healthCheckInterval) || !positive(foreignLoadWindow) || admissionHold.isNegative()
                || slotLinger.isNegative()) {
            throw new IllegalArgumentException("durations must be positive (recycleAfterAge, admissionHold: or 0)");
        }
    }

    private static boolean positive(Duration value) {
        return !value.isNegative() && !value.isZero();
    }

    public static NodeConfig defaults(SlotConfig slot) {
        return new NodeConfig(slot, 0, 100, Duration.ofMinutes(2), 0, Duration.ZERO, DEFAULT_CPU_PER_RECORDING,
                DEFAULT_MEMORY_PER_RECORDING, 1.0, 512L << 20, 0.98, 0.9, Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(10), 0.25,
                DEFAULT_CPU_PER_AUDIO_RECORDING, 0, DEFAULT_SLOT_LINGER);
    }

    /** Cores to reserve for a recording of {@code media} until it has been measured. */
    public double cpuPerRecording(CaptureMedia media) {
        return media.hasVideo() ? cpuPerRecording : cpuPerAudioRecording;
    }

    /** The number of slots to keep on a host with this many cores. */
    public int slotCount(int cores) {
        if (slots == NO_SLOTS) {
            return 0;
        }
        return slots > 0 ? slots : Math.max(1, (int) Math.floor(cores * cpuBudget / cpuPerRecording + 1e-9));
    }

    /**
     * The number of slots the pool may grow to on a host with this many cores and this much memory: extra slots
     * serve recordings that cost less than the base count assumes (audio-only ones), as admission finds room.
     */
    public int maxSlotCount(int cores, long memoryTotal) {
        int base = slotCount(cores);
        if (slots == NO_SLOTS) {
            return 0;
        }
        if (maxSlots > 0) {
            return Math.max(base, maxSlots);
        }
        if (slots > 0) {
            // A slot count the operator set is the pool's size: it grows only when max-slots says how far.
            return base;
        }
        long byCpu = (long) Math.floor(cores * cpuBudget / cpuPerAudioRecording + 1e-9);
        long byMemory = memoryPerRecording == 0 ? byCpu : Math.max(0, (memoryTotal - memoryReserve) / memoryPerRecording);
        return (int) Math.max(base, Math.min(byCpu, byMemory));
    }

    public NodeConfig withElasticSlots(int max, Duration linger) {
        return new NodeConfig(slot, slots, maxQueueLength, queueTimeout, recycleAfterUses, recycleAfterAge,
                cpuPerRecording, memoryPerRecording, cpuBudget, memoryReserve, overloadSpeed, overloadFpsShare,
                speedWindow, healthCheckInterval, foreignLoadWindow, admissionHold, admissionMargin,
                cpuPerAudioRecording, max, linger);
    }

    public NodeConfig withSlots(int value) {
        return new NodeConfig(slot, value, maxQueueLength, queueTimeout, recycleAfterUses, recycleAfterAge,
                cpuPerRecording, memoryPerRecording, cpuBudget, memoryReserve, overloadSpeed, overloadFpsShare,
                speedWindow, healthCheckInterval, foreignLoadWindow, admissionHold, admissionMargin,
                cpuPerAudioRecording, maxSlots, slotLinger);
    }

    public NodeConfig withRecycling(int afterUses, Duration afterAge) {
        return new NodeConfig(slot, slots, maxQueueLength, queueTimeout, afterUses, afterAge,
                cpuPerRecording, memoryPerRecording, cpuBudget, memoryReserve, overloadSpeed, overloadFpsShare,
                speedWindow, healthCheckInterval, foreignLoadWindow, admissionHold, admissionMargin,
                cpuPerAudioRecording, maxSlots, slotLinger);
    }

    public NodeConfig withHealthCheckInterval(Duration value) {
        return new NodeConfig(slot, slots, maxQueueLength, queueTimeout, recycleAfterUses, recycleAfterAge,
                cpuPerRecording, memoryPerRecording, cpuBudget, memoryReserve, overloadSpeed, overloadFpsShare,
                speedWindow, value, foreignLoadWindow, admissionHold, admissionMargin,
                cpuPerAudioRecording, maxSlots, slotLinger);
    }

    public NodeConfig withCpuBudget(double value) {
        return new NodeConfig(slot, slots, maxQueueLength, queueTimeout, recycleAfterUses, recycleAfterAge,
                cpuPerRecording, memoryPerRecording, value, memoryReserve, overloadSpeed, overloadFpsShare,
                speedWindow, healthCheckInterval, foreignLoadWindow, admissionHold, admissionMargin,
                cpuPerAudioRecording, maxSlots, slotLinger);
    }
}
