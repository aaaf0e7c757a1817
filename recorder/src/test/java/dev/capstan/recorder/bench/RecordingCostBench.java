package dev.capstan.recorder.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.Slot;
import dev.capstan.recorder.slot.SlotConfig;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.storage.archive.RecordingId;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Benchmark, not a test: what one 720p30 recording of the demo meeting costs on this host, and how long a request
 * takes to become a written frame, on a cold slot and on a warm one.
 *
 * <p>Run with {@code ./capstan bench}. Prints a table and writes {@code target/bench/recording-cost.json}.
 */
public final class RecordingCostBench {

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int warmRuns = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path out = Path.of(args.length > 2 ? args[2] : "target/bench");
        Files.createDirectories(out);
        List<Map<String, Object>> runs = new ArrayList<>();
        try (PageServer pages = PageServer.start();
             Slot slot = new Slot("bench", SlotConfig.defaults().withWorkDirectory(out.resolve("work")))) {
            for (int run = 0; run <= warmRuns; run++) {
                runs.add(measure(slot, pages, out, run, seconds));
            }
        }
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("machine", machine());
        results.put("recordingSeconds", seconds);
        results.put("runs", runs);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("recording-cost.json").toFile(), results);
        System.out.println("written " + out.resolve("recording-cost.json"));
    }

    private static Map<String, Object> measure(Slot slot, PageServer pages, Path out, int run, int seconds) throws Exception {
        String kind = run == 0 ? "cold" : "warm";
        RecordingId id = RecordingId.of("bench-" + run);
        CompletableFuture<Duration> firstFrame = new CompletableFuture<>();
        RecordingRequest request = RecordingRequest.of(id, new WebPage(pages.demo()), out.resolve("recordings").resolve(id.value()))
                .withMaxDuration(Duration.ofSeconds(seconds));
        var recording = slot.record(request, event -> {
            if (event instanceof SlotEvent.FirstFrameWritten first) {
                firstFrame.complete(first.sinceRequest());
            } else if (event instanceof SlotEvent.Failed failed) {
                firstFrame.completeExceptionally(new IllegalStateException("recording failed: " + failed.failure()));
            }
        });
        Duration latency = firstFrame.get();
        Thread.sleep(2000); // let start-up work settle before measuring the steady state
        ProcessSampler.Sample from = ProcessSampler.sample();
        Map<String, Double> peakPss = from.pssMegabytes();
        ProcessSampler.Sample to = from;
        long end = System.nanoTime() + Duration.ofSeconds(seconds - 4).toNanos();
        while (System.nanoTime() < end) {
            Thread.sleep(1000);
            to = ProcessSampler.sample();
            peakPss = ProcessSampler.peak(peakPss, to.pssMegabytes());
        }
        Map<String, Double> cores = ProcessSampler.cores(from, to);
        SlotEvent.Outcome outcome = recording.outcome().get();
        MediaReport report = MediaReport.of(((SlotEvent.Stopped) outcome).file().orElseThrow());
        double totalCores = cores.values().stream().mapToDouble(Double::doubleValue).sum();
        double totalPss = peakPss.values().stream().mapToDouble(Double::doubleValue).sum();
        System.out.printf(Locale.ROOT, "%-5s first frame %5d ms | cores %.2f %s | PSS %.0f MB %s | %.2f fps, %.1f%% repeated, A/V %+.0f ms%n",
                kind, latency.toMillis(), totalCores, rounded(cores, 2), totalPss, rounded(peakPss, 0),
                report.averageFps(), report.repeatedFrameShare() * 100, report.avOffsetMillis().orElse(Double.NaN));
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("start", kind);
        result.put("firstFrameMillis", latency.toMillis());
        result.put("cores", totalCores);
        result.put("coresByProgram", cores);
        result.put("peakPssMegabytes", totalPss);
        result.put("peakPssByProgram", peakPss);
        result.put("fps", report.averageFps());
        result.put("repeatedFrameShare", report.repeatedFrameShare());
        result.put("avOffsetMillis", report.avOffsetMillis().orElse(Double.NaN));
        return result;
    }

    private static Map<String, String> rounded(Map<String, Double> values, int decimals) {
        Map<String, String> out = new TreeMap<>();
        values.forEach((k, v) -> out.put(k, String.format(Locale.ROOT, "%." + decimals + "f", v)));
        return out;
    }

    private static Map<String, Object> machine() throws Exception {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(line -> line.startsWith("model name")).findFirst()
                .map(line -> line.substring(line.indexOf(':') + 2)).orElse("unknown");
        return Map.of("cpu", cpu, "cores", Runtime.getRuntime().availableProcessors(),
                "memoryGiB", Math.round(Files.readAllLines(Path.of("/proc/meminfo")).stream()
                        .filter(line -> line.startsWith("MemTotal")).findFirst()
                        .map(line -> Long.parseLong(line.replaceAll("\\D+", ""))).orElse(0L) / 1048576.0));
    }

    private RecordingCostBench() {
    }
}
