package dev.capstan.recorder.sizing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A plan as a plain-text table or as JSON, with its figures and assumptions. */
public final class PlanReport {

    private PlanReport() {
    }

    public static String text(CapacityPlan plan) {
        PlanRequest request = plan.request();
        List<String> lines = new ArrayList<>();
        lines.add(String.format(Locale.ROOT, "Capacity plan: %d concurrent %s recordings%s", request.meetings(),
                request.audioOnly() ? "audio-only" : request.resolution().wireName(),
                request.participants().isPresent() ? ", " + request.participants().getAsInt() + " participants each" : ""));
        lines.add(String.format(Locale.ROOT, "per recording: %.3f cores, %.0f MiB, %.0f kb/s", plan.coresPerRecording(),
                plan.memoryMiBPerRecording(), plan.costs().kilobitsPerSecond().value()));
        lines.add("");
        lines.add("Capstan (warm slots, many recordings per host)");
        lines.add(String.format(Locale.ROOT, "  %-16s %5s %7s %-16s %6s %6s %5s %9s %10s %11s %11s", "instance", "vCPU",
                "GiB", "per host", "by CPU", "by mem", "hosts", "$/hour", "$/month", "$/rec-hour", "full host"));
        for (CapacityPlan.HostPlan host : plan.hosts()) {
            InstanceType i = host.instance();
            if (!host.fits()) {
                lines.add(String.format(Locale.ROOT, "  %-16s %5d %7.1f %-16s %6d %6d %5s %9s %10s %11s", i.name(),
                        i.vcpus(), i.memoryGiB(), "0 (too small)", host.recordingsByCpu(), host.recordingsByMemory(),
                        "-", "-", "-", "-") + String.format(Locale.ROOT, " %11s", "-"));
                continue;
            }
            lines.add(String.format(Locale.ROOT, "  %-16s %5d %7.1f %-16s %6d %6d %5d %9.3f %10.2f %11.4f %11.4f", i.name(),
                    i.vcpus(), i.memoryGiB(), host.recordingsPerHost() + " (" + host.limit().wireName() + "-bound)",
                    host.recordingsByCpu(), host.recordingsByMemory(), host.hosts(), host.pricePerHour(),
                    host.pricePerMonth(), CapacityPlan.pricePerRecordingHour(host.pricePerHour(), request.meetings()),
                    host.pricePerRecordingHourFull()));
        }
        lines.add("  ($/rec-hour: the fleet's price over the " + request.meetings() + " recordings; full host: the price of"
                + " one host over the recordings it holds)");
        lines.add("");
        lines.add("Jibri-style fleet (one recording per host)");
        plan.jibriFleet().ifPresentOrElse(jibri -> lines.add(String.format(Locale.ROOT,
                        "  %-16s %5d %7.1f %-16s %6s %6s %5d %9.3f %10.2f %11.4f", jibri.instance().name(),
                        jibri.instance().vcpus(), jibri.instance().memoryGiB(), "1", "", "", jibri.hosts(),
                        jibri.pricePerHour(), jibri.pricePerMonth(),
                        CapacityPlan.pricePerRecordingHour(jibri.pricePerHour(), request.meetings()))),
                () -> lines.add(String.format(Locale.ROOT, "  none of the given instance types has %d vCPU and %.0f GiB",
                        CapacityPlan.JIBRI_MIN_VCPUS, CapacityPlan.JIBRI_MIN_MEMORY_GIB)));
        lines.add("");
        lines.add(String.format(Locale.ROOT, "Egress to S3: %.2f Mb/s, %.2f GB per hour (%d recordings x %.0f kb/s)",
                plan.egressMegabitsPerSecond(), plan.egressGigabytesPerHour(), request.meetings(),
                plan.costs().kilobitsPerSecond().value()));
        lines.add("");
        lines.add("Measured (./capstan bench):");
        for (Figure figure : figures(plan)) {
            if (figure instanceof Figure.Measured) {
                lines.add("  " + figure.describe());
            }
        }
        lines.add("Assumptions:");
        plan.assumptions().forEach(line -> lines.add("  - " + line));
        return String.join("\n", lines) + "\n";
    }

    public static String json(CapacityPlan plan) {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        PlanRequest request = plan.request();
        ObjectNode root = mapper.createObjectNode();
        ObjectNode asked = root.putObject("request");
        asked.put("meetings", request.meetings());
        asked.put("resolution", request.audioOnly() ? null : request.resolution().wireName());
        asked.put("audioOnly", request.audioOnly());
        if (request.participants().isPresent()) {
            asked.put("participants", request.participants().getAsInt());
        }
        ObjectNode per = root.putObject("perRecording");
        per.put("cores", plan.coresPerRecording());
        per.put("memoryMiB", plan.memoryMiBPerRecording());
        per.put("kilobitsPerSecond", plan.costs().kilobitsPerSecond().value());
        ArrayNode hosts = root.putArray("capstan");
        for (CapacityPlan.HostPlan host : plan.hosts()) {
            ObjectNode node = instance(hosts.addObject(), host.instance());
            node.put("recordingsByCpu", host.recordingsByCpu());
            node.put("recordingsByMemory", host.recordingsByMemory());
            node.put("recordingsPerHost", host.recordingsPerHost());
            node.put("limit", host.limit().wireName());
            if (host.fits()) {
                node.put("hosts", host.hosts());
                node.put("pricePerHour", host.pricePerHour());
                node.put("pricePerMonth", host.pricePerMonth());
                node.put("pricePerRecordingHour", CapacityPlan.pricePerRecordingHour(host.pricePerHour(),
                        request.meetings()));
                node.put("pricePerRecordingHourOnAFullHost", host.pricePerRecordingHourFull());
            }
        }
        plan.jibriFleet().ifPresent(jibri -> {
            ObjectNode node = instance(root.putObject("jibriStyle"), jibri.instance());
            node.put("recordingsPerHost", 1);
            node.put("hosts", jibri.hosts());
            node.put("pricePerHour", jibri.pricePerHour());
            node.put("pricePerMonth", jibri.pricePerMonth());
            node.put("pricePerRecordingHour", CapacityPlan.pricePerRecordingHour(jibri.pricePerHour(), request.meetings()));
        });
        ObjectNode egress = root.putObject("egressToS3");
        egress.put("megabitsPerSecond", plan.egressMegabitsPerSecond());
        egress.put("gigabytesPerHour", plan.egressGigabytesPerHour());
        ArrayNode figures = root.putArray("figures");
        for (Figure figure : figures(plan)) {
            ObjectNode node = figures.addObject();
            node.put("value", figure.value());
            node.put("unit", figure.unit());
            if (figure instanceof Figure.Measured m) {
                node.put("kind", "measured");
                node.put("section", m.section());
                node.put("field", m.field());
                node.put("source", m.source().toString());
                node.put("machine", m.machine());
                node.put("date", m.date());
            } else if (figure instanceof Figure.Assumed a) {
                node.put("kind", "assumed");
                node.put("why", a.why());
            }
        }
        ArrayNode assumptions = root.putArray("assumptions");
        plan.assumptions().forEach(assumptions::add);
        ObjectNode constants = root.putObject("constants");
        constants.put("cpuBudget", CapacityPlan.CPU_BUDGET);
        constants.put("memoryReserveGiB", CapacityPlan.MEMORY_RESERVE_GIB);
        constants.put("hoursPerMonth", CapacityPlan.HOURS_PER_MONTH);
        try {
            return mapper.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode instance(ObjectNode node, InstanceType instance) {
        node.put("instance", instance.name());
        node.put("vcpus", instance.vcpus());
        node.put("memoryGiB", instance.memoryGiB());
        node.put("instancePricePerHour", instance.pricePerHour());
        return node;
    }

    private static List<Figure> figures(CapacityPlan plan) {
        List<Figure> figures = new ArrayList<>(List.of(plan.costs().coresPerRecording(),
                plan.costs().memoryMiBPerRecording(), plan.costs().kilobitsPerSecond()));
        if (plan.request().participants().isPresent()) {
            plan.costs().coresPerParticipant().ifPresent(figures::add);
        }
        return figures;
    }
}
