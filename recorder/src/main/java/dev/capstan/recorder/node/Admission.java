package dev.capstan.recorder.node;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether one more recording fits on the host, judged from measured load. A recording whose steady use is not
 * known yet holds a reservation of the estimated cost; what it already uses is part of the host's load, so only
 * the rest of the reservation is added. Once measured, its real use counts through the host's load alone.
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
     * What a running recording costs: measured, or still only reserved.
     *
     * @param recentCpu what its processes used over the same recent window as the host's load
     */
    record Cost(boolean measured, double cpu, double recentCpu, long memory) {

        /** The part of a reservation not yet visible in the host's load. */
        double unseenCpu() {
            return measured ? 0 : Math.max(0, cpu - recentCpu);
        }
    }

    private Admission() {
    }

    static Verdict decide(HostLoad load, List<Cost> running, Optional<String> overload, boolean idleSlot,
            double cpuEstimate, long memoryEstimate, double cpuBudget, long memoryReserve) {
        if (overload.isPresent()) {
            return new Verdict.Hold(BusyReason.OVERLOADED, overload.get());
        }
        if (!idleSlot) {
            return new Verdict.Hold(BusyReason.NO_IDLE_SLOT, "every slot is recording or warming up");
        }
        double reservedCpu = running.stream().mapToDouble(Cost::unseenCpu).sum();
        long reservedMemory = running.stream().filter(cost -> !cost.measured()).mapToLong(Cost::memory).sum();
        double projected = load.cpuBusy() + reservedCpu + cpuEstimate;
        double limit = load.cores() * cpuBudget;
        if (projected > limit) {
            return new Verdict.Hold(BusyReason.CPU, String.format(Locale.ROOT,
                    "%.2f cores busy + %.2f reserved + %.2f for another recording > %.2f available",
                    load.cpuBusy(), reservedCpu, cpuEstimate, limit));
        }
        long left = load.memoryAvailable() - reservedMemory - memoryEstimate;
        if (left < memoryReserve) {
            return new Verdict.Hold(BusyReason.MEMORY, String.format(Locale.ROOT,
                    "%d MB available - %d MB reserved - %d MB for another recording < %d MB kept free",
                    load.memoryAvailable() >> 20, reservedMemory >> 20, memoryEstimate >> 20, memoryReserve >> 20));
        }
        return new Verdict.Admit();
    }
}
