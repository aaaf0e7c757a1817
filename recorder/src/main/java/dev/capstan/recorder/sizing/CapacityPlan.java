package dev.capstan.recorder.sizing;

import java.util.List;
import java.util.Optional;

/**
 * How many machines of each type a number of concurrent recordings needs, and what they cost.
 *
 * @param coresPerRecording   what each recording is planned at: the measured cost plus the participants' share
 * @param hosts               one per instance type given, in the order given
 * @param jibriFleet          one recording per host on the cheapest given type that meets Jibri's minimum; empty when
 *                            none does
 * @param egressMegabitsPerSecond all recordings' files on their way to S3, at the measured bitrate
 * @param assumptions         what the plan takes as given, in words
 */
public record CapacityPlan(PlanRequest request, MeasuredCosts costs, double coresPerRecording,
                           double memoryMiBPerRecording, List<HostPlan> hosts, Optional<JibriFleet> jibriFleet,
                           double egressMegabitsPerSecond, double egressGigabytesPerHour, List<String> assumptions) {

    public static final double HOURS_PER_MONTH = 730;
    /** Share of a host's CPUs recordings may use: the rest is the node's JVM, uploads, and room for spikes. */
    public static final double CPU_BUDGET = 0.85;
    /** Memory a host keeps for the OS, the node's JVM and the page cache the spool writes through. */
    public static final double MEMORY_RESERVE_GIB = 2;
    /** Jibri's minimum for one recording (jitsi handbook: 8 GB; AWS guides: c5.xlarge), one per machine. */
    public static final int JIBRI_MIN_VCPUS = 4;
    public static final double JIBRI_MIN_MEMORY_GIB = 8;

    public CapacityPlan {
        hosts = List.copyOf(hosts);
        assumptions = List.copyOf(assumptions);
    }

    /** Which resource a host runs out of first. */
    public enum Limit {
        CPU("cpu"),
        MEMORY("memory");

        private final String wireName;

        Limit(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    /**
     * One instance type: recordings per host by CPU and by memory, the smaller bounds.
     *
     * @param hosts 0 when not one recording fits on this type
     */
    public record HostPlan(InstanceType instance, int recordingsByCpu, int recordingsByMemory, int hosts) {

        public int recordingsPerHost() {
            return Math.min(recordingsByCpu, recordingsByMemory);
        }

        public Limit limit() {
            return recordingsByCpu <= recordingsByMemory ? Limit.CPU : Limit.MEMORY;
        }

        public boolean fits() {
            return recordingsPerHost() > 0;
        }

        public double pricePerHour() {
            return hosts * instance.pricePerHour();
        }

        public double pricePerMonth() {
            return pricePerHour() * HOURS_PER_MONTH;
        }

        /** A recording-hour on a full host: what more load would cost per recording. */
        public double pricePerRecordingHourFull() {
            return instance.pricePerHour() / recordingsPerHost();
        }
    }

    /** One recording per host, as Jibri runs. */
    public record JibriFleet(InstanceType instance, int hosts) {

        public double pricePerHour() {
            return hosts * instance.pricePerHour();
        }

        public double pricePerMonth() {
            return pricePerHour() * HOURS_PER_MONTH;
        }
    }

    /** What each recording-hour costs on this fleet at this load (idle room on the last host included). */
    public static double pricePerRecordingHour(double fleetPricePerHour, int recordings) {
        return fleetPricePerHour / recordings;
    }
}
