package dev.capstan.recorder.sizing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Sizes a recorder fleet from measured per-recording costs: per instance type, recordings per host are
 * {@code vcpus x 0.85 / cores per recording} and {@code (memory - 2 GiB) / memory per recording}, the smaller one.
 * One meeting is one recording.
 */
public final class CapacityPlanner {

    private CapacityPlanner() {
    }

    public static CapacityPlan plan(PlanRequest request, MeasuredCosts costs) {
        double participantShare = costs.coresPerParticipant().isPresent() && request.participants().isPresent()
                ? costs.coresPerParticipant().get().value() * request.participants().getAsInt() : 0;
        double cores = costs.coresPerRecording().value() + participantShare;
        double memoryMiB = costs.memoryMiBPerRecording().value();
        int recordings = request.meetings();
        List<CapacityPlan.HostPlan> hosts = new ArrayList<>();
        for (InstanceType instance : request.instances()) {
            int byCpu = (int) Math.floor(instance.vcpus() * CapacityPlan.CPU_BUDGET / cores + 1e-9);
            int byMemory = (int) Math.floor(Math.max(0, instance.memoryGiB() - CapacityPlan.MEMORY_RESERVE_GIB) * 1024
                    / memoryMiB + 1e-9);
            int perHost = Math.min(byCpu, byMemory);
            hosts.add(new CapacityPlan.HostPlan(instance, byCpu, byMemory,
                    perHost > 0 ? (recordings + perHost - 1) / perHost : 0));
        }
        Optional<CapacityPlan.JibriFleet> jibri = request.instances().stream()
                .filter(i -> i.vcpus() >= CapacityPlan.JIBRI_MIN_VCPUS && i.memoryGiB() >= CapacityPlan.JIBRI_MIN_MEMORY_GIB)
                .min(Comparator.comparingDouble(InstanceType::pricePerHour))
                .map(instance -> new CapacityPlan.JibriFleet(instance, recordings));
        double megabits = recordings * costs.kilobitsPerSecond().value() / 1000;
        double gigabytesPerHour = megabits / 8 * 3600 / 1000;
        return new CapacityPlan(request, costs, cores, memoryMiB, hosts, jibri, megabits, gigabytesPerHour,
                assumptions(request, costs, participantShare));
    }

    private static List<String> assumptions(PlanRequest request, MeasuredCosts costs, double participantShare) {
        List<String> lines = new ArrayList<>();
        lines.add("one meeting is one recording; all " + request.meetings() + " run at the same time");
        lines.add(String.format(Locale.ROOT, "a host gives recordings %.0f%% of its vCPUs and its memory less %.0f GiB"
                        + " (OS, the node's JVM, the spool's page cache)", CapacityPlan.CPU_BUDGET * 100,
                CapacityPlan.MEMORY_RESERVE_GIB));
        lines.add("costs add up linearly: n recordings on a host cost n times one (the benchmark's capacity section"
                + " checks this only as far as its own machine goes; many slots per host are extrapolated)");
        lines.add("a vCPU of the instance does the work of one core of the benchmark's machine (the same x86"
                + " generation; recheck with ./capstan bench on the instance type itself)");
        if (request.audioOnly()) {
            lines.add("audio-only: no display, no video encode; participants' audio is decoded and mixed by Chromium");
        }
        if (request.participants().isEmpty()) {
            lines.add("participants not given: the cost is the benchmark meeting's");
        } else if (costs.coresPerParticipant().isPresent()) {
            lines.add(String.format(Locale.ROOT, "participants: %d x %.4f cores = %.3f cores added per recording, from"
                            + " the speakers section's audio-only participants (Chromium decoding and mixing their"
                            + " sound); the video Chromium decodes for each participant is NOT measured (the benchmark's"
                            + " meeting draws its picture itself), so real meetings with cameras on cost more",
                    request.participants().getAsInt(), costs.coresPerParticipant().get().value(), participantShare));
        } else {
            lines.add("participants: " + request.participants().getAsInt() + " given, but not modelled: the benchmark's"
                    + " meeting draws its picture itself, so the cost of Chromium decoding each participant's audio and"
                    + " video is not in the measurement (./capstan bench --sections=speakers measures audio"
                    + " participants); real meetings cost more");
        }
        lines.add("egress: every recording's file goes to S3 once, at the measured bitrate; live streams and previews"
                + " are not counted");
        lines.add(String.format(Locale.ROOT, "Jibri-style fleet: one recording per machine of at least %d vCPU and"
                        + " %.0f GiB (the jitsi handbook asks 8 GB per recording; AWS Jibri guides use c5.xlarge, 4 vCPU/8 GB), the"
                        + " cheapest such type given", CapacityPlan.JIBRI_MIN_VCPUS,
                CapacityPlan.JIBRI_MIN_MEMORY_GIB));
        lines.add(String.format(Locale.ROOT, "prices as given, per hour, %.0f hours a month; hosts run all month"
                + " (no autoscaling, no reserved or spot discount)", CapacityPlan.HOURS_PER_MONTH));
        if (costs.shortOfCpu()) {
            lines.add("the cores were measured with x264 ultrafast, not superfast (the recorder's choice on a host short"
                    + " of CPU, and for pictures above 720p on fewer than 4 cores), which takes less CPU and writes bigger"
                    + " files; where the recorder can use superfast expect somewhat more CPU and a lower bitrate");
        }
        for (Figure figure : List.of(costs.coresPerRecording(), costs.memoryMiBPerRecording(), costs.kilobitsPerSecond())) {
            if (figure instanceof Figure.Assumed assumed) {
                lines.add("assumed " + assumed.describe());
            }
        }
        return lines;
    }
}
