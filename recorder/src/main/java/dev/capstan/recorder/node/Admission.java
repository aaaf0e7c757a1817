package dev.capstan.recorder.node;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether one more recording fits on the host, told apart from what else runs there.
 *
 * <p>Recordings share {@code cores × cpu-budget} less the <em>foreign</em> load: the host's busy CPU minus what our
 * slots' processes (Xvfb, PulseAudio, Chromium, FFmpeg, idle or recording) use. This JVM counts as foreign: its
 * bursts (start-up, JIT, GC, a test runner) take CPU from encoders like any other tenant, and in steady state it is
 * small. Foreign load is a moving average over tens of seconds, kept by {@link LoadMonitor}, so a build or a
 * swinging service moves the verdict by its average, not by its peaks. Running recordings count with their own
 * measured use (smoothed the same way), or with a reservation until they have been measured.
 *
 * <p>Three rules come first: a node with no recording running admits one (unless memory is short), so a busy host
 * never refuses the first recording it could take; once recordings run, the overload guard (their encoders falling
 * behind or delivering too few frames) admits nothing more; and a verdict driven by load holds at least {@code
 * hold} before it turns, with {@code margin} cores of hysteresis before a node holding for CPU admits again. What
 * the verdict says is what a start gets, so a Jibri occupant advertising it never promises what it then refuses.
 * Facts (a slot starting, ending, freeing up) change the verdict at once. Not thread-safe: its admission queue
 * guards it.
 */
final class Admission {

    /** The decision: start now, or hold for a reason. */
    sealed interface Verdict {
        record Admit() implements Verdict {
        }

        record Hold(BusyReason reason, String detail) implements Verdict {
        }
    }

    /**
     * What a running recording costs.
     *
     * @param measured false while {@code cpu} and {@code memory} are still the reservation
     * @param cpu      cores: its smoothed measured use, or the reservation
     */
    record Cost(boolean measured, double cpu, long memory) {
    }

    /**
     * What the node knows at one moment, besides foreign load.
     *
     * @param overload set while a running recording falls behind (why, for people)
     */
    record Facts(List<Cost> running, boolean idleSlot, long memoryAvailable, Optional<String> overload,
            double cpuEstimate, long memoryEstimate) {
    }

    private final int cores;
    private final double cpuBudget;
    private final long memoryReserve;
    private final double margin;
    private final long holdNanos;
    private final double windowSeconds;

    private Verdict held;
    private long heldSince;
    private int heldRunning;
    private boolean heldIdleSlot;

    Admission(int cores, NodeConfig config) {
        this(cores, config.cpuBudget(), config.memoryReserve(), config.admissionMargin(),
                config.admissionHold().toNanos(), config.foreignLoadWindow().toNanos() / 1e9);
    }

    Admission(int cores, double cpuBudget, long memoryReserve, double margin, long holdNanos, double windowSeconds) {
        this.cores = cores;
        this.cpuBudget = cpuBudget;
        this.memoryReserve = memoryReserve;
        this.margin = margin;
        this.holdNanos = holdNanos;
        this.windowSeconds = windowSeconds;
    }

    /**
     * The same rules with a hold of their own: a verdict for another kind of recording (audio-only, at its own
     * estimate) must not hold up, or be held up by, this one's.
     */
    Admission withOwnHold() {
        return new Admission(cores, cpuBudget, memoryReserve, margin, holdNanos, windowSeconds);
    }

    /**
     * The verdict now: what {@link #decide} says, unless load alone would turn the last one sooner than allowed.
     *
     * @param foreignCpu foreign load as a moving average over {@code windowSeconds}, in cores
     */
    Verdict judge(long nanos, double foreignCpu, Facts facts) {
        boolean admitting = held instanceof Verdict.Admit;
        Verdict raw = decide(facts, foreignCpu, admitting);
        boolean factsChanged = held == null || facts.running().size() != heldRunning
                || facts.idleSlot() != heldIdleSlot;
        boolean turns = (raw instanceof Verdict.Admit) != admitting;
        if (factsChanged || !turns || nanos - heldSince >= holdNanos) {
            if (turns || held == null) {
                heldSince = nanos;
            }
            held = raw;
            heldRunning = facts.running().size();
            heldIdleSlot = facts.idleSlot();
        }
        return held;
    }

    /**
     * What {@link #decide} would say of this recording were a slot idle, with the margin of a node not admitting:
     * if it admits, the pool may grow a slot for it (the request waits meanwhile). Leaves the held verdict alone.
     */
    Verdict decideGivenSlot(Facts facts, double foreignCpu) {
        Facts withSlot = new Facts(facts.running(), true, facts.memoryAvailable(), facts.overload(),
                facts.cpuEstimate(), facts.memoryEstimate());
        return decide(withSlot, foreignCpu, false);
    }

    /** The rule itself, for a node that was {@code admitting} until now (hysteresis). */
    Verdict decide(Facts facts, double foreignCpu, boolean admitting) {
        if (!facts.idleSlot()) {
            return new Verdict.Hold(BusyReason.NO_IDLE_SLOT, "every slot is recording or warming up");
        }
        long reservedMemory = facts.running().stream().filter(cost -> !cost.measured()).mapToLong(Cost::memory).sum();
        long left = facts.memoryAvailable() - reservedMemory - facts.memoryEstimate();
        if (left < memoryReserve) {
            return new Verdict.Hold(BusyReason.MEMORY, String.format(Locale.ROOT,
                    "%d MB available - %d MB reserved - %d MB for another recording < %d MB kept free",
                    facts.memoryAvailable() >> 20, reservedMemory >> 20, facts.memoryEstimate() >> 20,
                    memoryReserve >> 20));
        }
        if (facts.running().isEmpty()) {
            return new Verdict.Admit();
        }
        if (facts.overload().isPresent()) {
            return new Verdict.Hold(BusyReason.OVERLOADED, facts.overload().get());
        }
        double recordings = facts.running().stream().mapToDouble(Cost::cpu).sum();
        double limit = cores * cpuBudget;
        double room = limit - foreignCpu - recordings - facts.cpuEstimate();
        double needed = admitting ? 0 : margin;
        if (room < needed) {
            return new Verdict.Hold(BusyReason.CPU, String.format(Locale.ROOT,
                    "%.2f cores foreign (%.0f-s average) + %.2f for %d recording(s) + %.2f for another > %.2f"
                            + " available%s",
                    foreignCpu, windowSeconds, recordings, facts.running().size(), facts.cpuEstimate(), limit,
                    admitting ? "" : String.format(Locale.ROOT, " - %.2f margin", margin)));
        }
        return new Verdict.Admit();
    }
}
