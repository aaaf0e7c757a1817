package dev.capstan.recorder.sizing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.capstan.recorder.capture.PresetChoice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.StreamSupport;

/**
 * What one recording costs, from {@code ./capstan bench}'s results.json files.
 *
 * @param coresPerRecording  CPU cores of all the recording's processes (browser, display, sound, encoder)
 * @param memoryMiBPerRecording peak PSS of those processes
 * @param kilobitsPerSecond  the recorded file's size over its length: what goes to S3
 * @param coresPerParticipant what each participant adds, when the speakers section measured it
 * @param shortOfCpu         the cores were measured on a host short of CPU, where the recorder encodes with ultrafast
 */
public record MeasuredCosts(Resolution resolution, boolean audioOnly, Figure coresPerRecording,
                            Figure memoryMiBPerRecording, Figure kilobitsPerSecond,
                            Optional<Figure> coresPerParticipant, boolean shortOfCpu) {

    /** Audio-only files carry the profile's AAC track and nothing else. */
    static final double AUDIO_KILOBITS_PER_SECOND = 128;

    private static final JsonNode MISSING = MissingNode.getInstance();

    /** One results.json, and the resolution Capstan's slots recorded in it. */
    record BenchResults(Path source, JsonNode root, Resolution resolution) {

        static BenchResults read(Path file) {
            try {
                JsonNode root = new ObjectMapper().readTree(file.toFile());
                if (root == null || !root.isObject()) {
                    throw new PlanArgumentException("--results", file + " is not a ./capstan bench results.json");
                }
                // The bench recorded only 720p before it took --resolution.
                JsonNode height = root.path("options").path("profile").path("height");
                Resolution resolution;
                try {
                    resolution = height.isInt() ? Resolution.ofHeight(height.asInt()) : Resolution.HD_720P;
                } catch (IllegalArgumentException e) {
                    resolution = null; // a profile the planner does not plan for: its video figures are not used
                }
                return new BenchResults(file, root, resolution);
            } catch (IOException e) {
                throw new PlanArgumentException("--results", file + " cannot be read as JSON: " + e.getMessage());
            }
        }

        String machine() {
            JsonNode m = root.path("machine");
            return m.path("cpu").asText("an unknown CPU") + ", " + m.path("cores").asText("?") + " cores, "
                    + m.path("memoryGiB").asText("?") + " GiB" + (m.has("loadAverage")
                    ? ", load average " + m.path("loadAverage").asText() + " at the start" : "");
        }

        /**
         * Whether the cost run encoded with ultrafast, as the recorder does on a host short of CPU (see the recorder's
         * PresetChoice): it costs less CPU and writes bigger files than on a host with room. Results that do not
         * name the preset are judged by the load average at the bench's start.
         */
        boolean busy() {
            JsonNode preset = root.path("capstan").path("cost").path("x264Preset");
            if (preset.isTextual()) {
                return preset.asText().equals(PresetChoice.FASTEST);
            }
            JsonNode m = root.path("machine");
            return m.path("loadAverage").asDouble(0) >= PresetChoice.SHORT_OF_CPU * m.path("cores").asDouble(Double.MAX_VALUE);
        }

        Optional<Figure> figure(double value, String unit, String section, String field) {
            if (!Double.isFinite(value) || value <= 0) {
                return Optional.empty();
            }
            return Optional.of(new Figure.Measured(value, unit, section, field, source, machine(),
                    root.path("machine").path("date").asText("an unknown date")));
        }

        private Optional<JsonNode> sustainedCapacityStep() {
            int sustained = root.path("capacity").path("sustainedConcurrent").asInt(0);
            return StreamSupport.stream(root.path("capacity").path("steps").spliterator(), false)
                    .filter(step -> step.path("concurrent").asInt() == sustained && sustained > 0).findFirst();
        }

        /**
         * The cost run, when its file passed the bench's quality check: a run that dropped frames did less work
         * than a recording should, so its figures would flatter the plan.
         */
        Optional<JsonNode> passingCost() {
            JsonNode cost = root.path("capstan").path("cost");
            return cost.isObject() && cost.path("quality").path("passes").asBoolean(false)
                    ? Optional.of(cost) : Optional.empty();
        }

        boolean costFailedQuality() {
            return root.path("capstan").path("cost").isObject() && passingCost().isEmpty();
        }

        Optional<Figure> videoCores() {
            JsonNode cost = passingCost().orElse(MISSING);
            if (cost.has("steadyCores")) {
                return figure(cost.path("steadyCores").asDouble(), "cores", "cost", "capstan.cost.steadyCores");
            }
            Optional<Figure> capacity = sustainedCapacityStep().flatMap(step -> figure(
                    step.path("cores").asDouble() / step.path("concurrent").asInt(), "cores", "capacity",
                    "capacity.steps[concurrent=" + step.path("concurrent").asInt() + "].cores / "
                            + step.path("concurrent").asInt()));
            if (capacity.isPresent()) {
                return capacity;
            }
            return figure(root.path("audioOnly").path("coresPerVideoRecording").asDouble(), "cores", "audio",
                    "audioOnly.coresPerVideoRecording");
        }

        Optional<Figure> memory() {
            JsonNode cost = passingCost().orElse(MISSING);
            if (cost.has("peakPssMegabytes")) {
                return figure(cost.path("peakPssMegabytes").asDouble(), "MiB", "cost", "capstan.cost.peakPssMegabytes");
            }
            return sustainedCapacityStep().flatMap(step -> figure(
                    step.path("peakPssMegabytes").asDouble() / step.path("concurrent").asInt(), "MiB", "capacity",
                    "capacity.steps[concurrent=" + step.path("concurrent").asInt() + "].peakPssMegabytes / "
                            + step.path("concurrent").asInt()));
        }

        Optional<Figure> bitrate() {
            JsonNode cost = passingCost().orElse(MISSING).path("quality");
            if (cost.has("kilobitsPerSecond")) {
                return figure(cost.path("kilobitsPerSecond").asDouble(), "kb/s", "cost",
                        "capstan.cost.quality.kilobitsPerSecond");
            }
            return sustainedCapacityStep().flatMap(step -> figure(
                    StreamSupport.stream(step.path("recordings").spliterator(), false)
                            .mapToDouble(r -> r.path("quality").path("kilobitsPerSecond").asDouble())
                            .average().orElse(Double.NaN), "kb/s", "capacity",
                    "capacity.steps[concurrent=" + step.path("concurrent").asInt()
                            + "].recordings[].quality.kilobitsPerSecond, mean"));
        }

        /** The dearest audio-only step that passed: per-recording cost grows with the count (shared sound server). */
        Optional<Figure> audioCores() {
            return StreamSupport.stream(root.path("audioOnly").path("steps").spliterator(), false)
                    .filter(step -> step.path("audioOnly").asBoolean() && step.path("passes").asBoolean())
                    .max((a, b) -> Double.compare(a.path("coresPerRecording").asDouble(),
                            b.path("coresPerRecording").asDouble()))
                    .flatMap(step -> figure(step.path("coresPerRecording").asDouble(), "cores", "audio",
                            "audioOnly.steps[" + step.path("name").asText() + "].coresPerRecording (the highest of"
                                    + " the passing audio-only steps)"));
        }

        /** The composite recording's cost over the meeting's speakers, tracks off: the least-squares slope. */
        Optional<Figure> participantCores() {
            List<double[]> points = new ArrayList<>();
            for (JsonNode run : root.path("speakerTracks").path("runs")) {
                if (!run.path("tracks").asBoolean(true)) {
                    points.add(new double[] {run.path("speakers").asDouble(), run.path("recorderCores").asDouble()});
                }
            }
            if (points.stream().mapToDouble(p -> p[0]).distinct().count() < 2) {
                return Optional.empty();
            }
            double meanX = points.stream().mapToDouble(p -> p[0]).average().orElseThrow();
            double meanY = points.stream().mapToDouble(p -> p[1]).average().orElseThrow();
            double covariance = points.stream().mapToDouble(p -> (p[0] - meanX) * (p[1] - meanY)).sum();
            double variance = points.stream().mapToDouble(p -> (p[0] - meanX) * (p[0] - meanX)).sum();
            // A negative slope is noise, not a participant who saves CPU: then there is nothing to add.
            return Optional.of(new Figure.Measured(Math.max(0, covariance / variance), "cores", "speakers",
                    "speakerTracks.runs[tracks=false].recorderCores, slope over speakers", source, machine(),
                    root.path("machine").path("date").asText("an unknown date")));
        }
    }

    /**
     * The figures for this plan, each from the first file that has it.
     *
     * @throws MissingMeasurementException naming the bench sections to run
     * @throws PlanArgumentException       when none of the files exists or one is not a results.json
     */
    public static MeasuredCosts from(List<Path> files, Resolution resolution, boolean audioOnly) {
        List<BenchResults> results = files.stream().filter(Files::isRegularFile).map(BenchResults::read).toList();
        if (results.isEmpty()) {
            throw new MissingMeasurementException("no benchmark results at " + files, List.of(costCommand(resolution)));
        }
        List<BenchResults> atResolution = results.stream().filter(r -> r.resolution() == resolution).toList();
        Optional<Figure> participant = first(results, BenchResults::participantCores);
        if (audioOnly) {
            Figure cores = first(results, BenchResults::audioCores).orElseThrow(() -> new MissingMeasurementException(
                    "no audio-only cost in " + files, List.of("./capstan bench --sections=audio")));
            // Audio-only recordings keep the browser and sound server but not the display or the video encode.
            Figure video = first(results, BenchResults::memory).orElseThrow(() -> new MissingMeasurementException(
                    "no memory per recording in " + files, List.of(costCommand(Resolution.HD_720P))));
            Figure memory = new Figure.Assumed(video.value(), "MiB", "memory of a video recording ("
                    + video.describe() + "), as an upper bound: the audio section does not measure memory");
            Figure bitrate = new Figure.Assumed(AUDIO_KILOBITS_PER_SECOND, "kb/s",
                    "the recording profile's AAC bitrate, not measured");
            return new MeasuredCosts(resolution, true, cores, memory, bitrate, participant, busy(results, cores));
        }
        List<String> missing = new ArrayList<>();
        Optional<Figure> cores = first(atResolution, BenchResults::videoCores);
        Optional<Figure> memory = first(atResolution, BenchResults::memory);
        Optional<Figure> bitrate = first(atResolution, BenchResults::bitrate);
        cores.ifPresentOrElse(c -> { }, () -> missing.add("cores"));
        memory.ifPresentOrElse(m -> { }, () -> missing.add("memory"));
        bitrate.ifPresentOrElse(b -> { }, () -> missing.add("bitrate"));
        if (!missing.isEmpty()) {
            String failed = atResolution.stream().filter(BenchResults::costFailedQuality)
                    .map(r -> " (the cost run in " + r.source() + " failed the bench's quality check, fps or repeated"
                            + " frames, on a host too busy for it: its figures are not used)")
                    .findFirst().orElse("");
            throw new MissingMeasurementException("no " + String.join(", ", missing) + " per " + resolution.wireName()
                    + " recording in " + files + failed, List.of(costCommand(resolution)));
        }
        return new MeasuredCosts(resolution, false, cores.get(), memory.get(), bitrate.get(), participant,
                busy(results, cores.get()));
    }

    private static boolean busy(List<BenchResults> results, Figure cores) {
        return cores instanceof Figure.Measured measured
                && results.stream().anyMatch(r -> r.source().equals(measured.source()) && r.busy());
    }

    /** The shortest bench run that measures a video recording's cores, memory and bitrate (about a minute). */
    static String costCommand(Resolution resolution) {
        return resolution == Resolution.HD_720P ? "./capstan bench --sections=cost --pipelines=capstan"
                : "./capstan bench --sections=cost --pipelines=capstan --resolution=" + resolution.wireName()
                        + " --out=target/bench-" + resolution.wireName();
    }

    private static Optional<Figure> first(List<BenchResults> results, Function<BenchResults, Optional<Figure>> figure) {
        return results.stream().map(figure).flatMap(Optional::stream).findFirst();
    }
}
