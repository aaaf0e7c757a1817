package dev.capstan.recorder.bench;

import dev.capstan.recorder.fixture.CpuHog;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.node.NodeConfig;
import dev.capstan.recorder.slot.CaptureSpan;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.Slot;
import dev.capstan.recorder.slot.SlotConfig;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The node under pressure: more recordings than its capacity, forced onto the slots without admission, and
 * recordings beside a foreign CPU hog. What must hold whatever the load: no second lost (each file lasts from its
 * first frame to its stop), the frame rate that was really delivered is the one reported, and a stop is ready
 * within seconds. Each step records the demo meeting at 720p30 for the same length, all recordings at once, then
 * stops them together.
 *
 * <p>The node's capacity is what its default configuration admits on this host ({@link NodeConfig#slotCount}).
 */
final class PressureBench {

    /** More than this between two frames of a file is a gap a viewer sees as a freeze. */
    static final double MAX_GAP_SECONDS = 0.5;
    /** A file may be shorter than its span by this much before the difference counts as lost. */
    static final double LOSS_TOLERANCE_SECONDS = 0.5;

    private final SlotConfig slotConfig;
    private final Path out;
    private final int seconds;

    /** One step: how many recordings at once, and how many cores a foreign hog holds meanwhile. */
    record Step(String name, int recordings, double hogCores) {
    }

    /** The section's figures for results.json, and its part of the printed table. */
    record Report(Map<String, Object> results, List<String> lines) {
    }

    /**
     * One recording's truth.
     *
     * @param spanSeconds       first frame to stop, on the wall clock
     * @param lostSeconds       how much shorter the file is than its span (0 when within tolerance)
     * @param reportedFps       the frame rate the encoder reported it delivered, over the whole recording
     * @param fileFps           video frames per second in the file
     * @param freshFps          frames per second in the file that show a new picture (the page's own rate included)
     * @param maxGapSeconds     the longest time between two frames of the file
     * @param stopToReadyMillis from the stop to the finished file
     */
    record Measured(double spanSeconds, double fileSeconds, double lostSeconds, double reportedFps, double fileFps,
                    double freshFps, double maxGapSeconds, long stopToReadyMillis, String encoderEnd) {
    }

    PressureBench(SlotConfig slotConfig, Path out, int seconds) {
        this.slotConfig = slotConfig;
        this.out = out;
        this.seconds = seconds;
    }

    /** The steps for a node of {@code capacity} recordings: 1x, 1.5x and 2x of it, and at capacity beside a hog. */
    static List<Step> steps(int capacity) {
        return List.of(
                new Step("1x capacity", capacity, 0),
                new Step("1.5x capacity", (int) Math.ceil(capacity * 1.5), 0),
                new Step("2x capacity", capacity * 2, 0),
                new Step("1 + hog 1.5 cores", 1, 1.5),
                new Step("capacity + hog 1 core", capacity, 1.0));
    }

    Report run(URI demo) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        int capacity = NodeConfig.defaults(slotConfig).slotCount(cores);
        List<Step> steps = steps(capacity);
        int most = steps.stream().mapToInt(Step::recordings).max().orElse(1);
        List<String> lines = new ArrayList<>();
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("capacity", capacity);
        results.put("seconds", seconds);
        lines.add("");
        lines.add(String.format(Locale.ROOT, "6. Under pressure: node capacity %d on %d cores, %d-s recordings stopped together",
                capacity, cores, seconds));
        lines.add(String.format(Locale.ROOT, "   %-22s %5s  %-12s %-18s %-16s %-10s %s", "step", "rec", "lost s (max)",
                "reported/file fps", "fresh fps", "max gap", "stop->ready ms"));
        List<Slot> slots = new ArrayList<>();
        List<Map<String, Object>> stepResults = new ArrayList<>();
        try {
            for (int i = 1; i <= most; i++) {
                Slot slot = new Slot("pressure-" + i, slotConfig);
                slot.warmUp();
                slots.add(slot);
            }
            PipelineBench.progress("pressure: %d slots warm", slots.size());
            for (Step step : steps) {
                List<Measured> measured = step(step, slots.subList(0, step.recordings()), demo);
                stepResults.add(Map.of("step", step, "recordings", measured));
                lines.add(row(step, measured));
                PipelineBench.progress("pressure %s: %s", step.name(), row(step, measured).trim());
            }
        } finally {
            slots.forEach(Slot::close);
        }
        results.put("steps", stepResults);
        return new Report(results, lines);
    }

    private List<Measured> step(Step step, List<Slot> slots, URI demo) throws Exception {
        Path directory = out.resolve("recordings/pressure/" + step.name().replaceAll("[^a-z0-9]+", "-"));
        try (CpuHog hog = step.hogCores() > 0 ? CpuHog.steady(step.hogCores()) : null) {
            if (hog != null) {
                // The hog's load is in the host's figures before anything starts, as on a host that was already busy.
                Thread.sleep(2_000);
            }
            List<Recording> recordings = new ArrayList<>();
            List<CompletableFuture<Void>> on = new ArrayList<>();
            for (int i = 0; i < slots.size(); i++) {
                String id = "p" + i + "-" + System.currentTimeMillis();
                CompletableFuture<Void> first = new CompletableFuture<>();
                RecordingRequest request = RecordingRequest.of(RecordingId.of(id), new ObservedPage(demo),
                        directory.resolve(id)).withMaxDuration(Duration.ofSeconds(seconds * 4L));
                recordings.add(start(slots.get(i), request, first));
                on.add(first);
            }
            CompletableFuture.allOf(on.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            Thread.sleep(seconds * 1000L);
            long stoppedAt = System.nanoTime();
            List<CompletableFuture<SlotEvent.Outcome>> outcomes = recordings.stream().map(Recording::stop).toList();
            List<Measured> measured = new ArrayList<>();
            for (CompletableFuture<SlotEvent.Outcome> pending : outcomes) {
                SlotEvent.Outcome outcome = pending.get(180, TimeUnit.SECONDS);
                long readyMillis = (System.nanoTime() - stoppedAt) / 1_000_000;
                measured.add(measure(outcome, readyMillis));
            }
            return measured;
        }
    }

    /** Starts {@code request} on {@code slot}; {@code first} completes once it is on, or fails with it. */
    static Recording start(Slot slot, RecordingRequest request, CompletableFuture<Void> first) {
        return slot.record(request, event -> {
            if (event instanceof SlotEvent.FirstFrameWritten) {
                first.complete(null);
            } else if (event instanceof SlotEvent.Failed failed) {
                first.completeExceptionally(new IllegalStateException(request.id() + " failed: " + failed.failure()));
            }
        });
    }

    private static Measured measure(SlotEvent.Outcome outcome, long stopToReadyMillis) throws Exception {
        if (!(outcome instanceof SlotEvent.Stopped stopped) || stopped.file().isEmpty()) {
            throw new IllegalStateException("a pressure recording did not finish with a file: " + outcome);
        }
        Path file = stopped.file().get();
        MediaReport report = MediaReport.of(file);
        CaptureSpan span = stopped.span();
        double spanSeconds = span.length().toNanos() / 1e9;
        double lost = Math.max(0, spanSeconds - report.duration());
        return new Measured(spanSeconds, report.duration(), lost > LOSS_TOLERANCE_SECONDS ? lost : 0,
                stopped.last().averageFps(), report.averageFps(), report.distinctFps(), report.longestFrameGap(),
                stopToReadyMillis, span.encoderEnd().wireName());
    }

    private static String row(Step step, List<Measured> measured) {
        double lostSum = measured.stream().mapToDouble(Measured::lostSeconds).sum();
        double lostMax = measured.stream().mapToDouble(Measured::lostSeconds).max().orElse(0);
        String reported = range(measured.stream().mapToDouble(Measured::reportedFps).toArray());
        String file = range(measured.stream().mapToDouble(Measured::fileFps).toArray());
        String fresh = range(measured.stream().mapToDouble(Measured::freshFps).toArray());
        double gap = measured.stream().mapToDouble(Measured::maxGapSeconds).max().orElse(0);
        String ready = range(measured.stream().mapToDouble(Measured::stopToReadyMillis).toArray());
        return String.format(Locale.ROOT, "   %-22s %5d  %-12s %-18s %-16s %-10s %s", step.name(), measured.size(),
                String.format(Locale.ROOT, "%.1f (%.1f)", lostSum, lostMax), reported + " / " + file, fresh,
                String.format(Locale.ROOT, "%.2f s%s", gap, gap > MAX_GAP_SECONDS ? " FREEZE" : ""), ready);
    }

    private static String range(double[] values) {
        double min = java.util.Arrays.stream(values).min().orElse(Double.NaN);
        double max = java.util.Arrays.stream(values).max().orElse(Double.NaN);
        return Math.abs(max - min) < 0.5 ? String.format(Locale.ROOT, "%.0f", min)
                : String.format(Locale.ROOT, "%.0f-%.0f", min, max);
    }
}
