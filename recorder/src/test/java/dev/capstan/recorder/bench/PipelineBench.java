package dev.capstan.recorder.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.capstan.recorder.capture.CaptureCommand;
import dev.capstan.recorder.capture.FfmpegBinary;
import dev.capstan.recorder.capture.PresetChoice;
import dev.capstan.recorder.capture.VideoProfile;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.Slot;
import dev.capstan.recorder.slot.SlotConfig;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.bytedeco.ffmpeg.global.avutil;

/**
 * Benchmark, not a test: Capstan's recording pipeline side by side with a Jibri-style one, on this machine, in one
 * run. Five sections, each recording the demo meeting at 720p30 ({@code --resolution=1080p} for Capstan's slots at 1080p):
 * <ol>
 *   <li>start latency: request to first frame written, a warm slot against a Jibri-style cold start;</li>
 *   <li>cost per recorded minute: CPU-seconds and peak memory (PSS) of every process of each pipeline;</li>
 *   <li>capacity: the most concurrent recordings that all stay at 29 fps or more with under 5% repeated frames;</li>
 *   <li>the encoder-only floor: the same FFmpeg encodes fed from a synthetic source;</li>
 *   <li>under pressure ({@link PressureBench}): 1x, 1.5x and 2x the node's capacity, and beside a CPU hog: lost
 *       seconds, delivered frame rate and stop to ready.</li>
 * </ol>
 * Live streaming's cost on top of recording ({@link LiveStreamCost}, table section 5) runs only when asked for
 * ({@code --sections=live}), as does the cost and concurrency of audio-only recordings ({@link AudioOnlyBench},
 * table section 7, {@code --sections=audio}) and the cost per participant of per-speaker tracks
 * ({@link SpeakerTracksBench}, table section 8, {@code --sections=speakers}). Every recording is decoded and checked (fps, repeated frames, A/V offset), so a cheaper setting cannot buy its
 * numbers with a worse picture. Prints a table and writes {@code results.json}.
 *
 * <p>Run with {@code ./capstan bench [--name=value ...]} ({@link BenchOptions#USAGE}).
 */
public final class PipelineBench {

    static final double MIN_FPS = 29;
    static final double MAX_REPEATED = 0.05;
    static final double MAX_AV_OFFSET_MILLIS = 100;
    /** Encoder speed is judged over windows this long: a shorter one mostly shows the progress report's jitter. */
    private static final Duration SPEED_WINDOW = Duration.ofSeconds(5);
    /** Start-up work (page scripts, encoder warm-up) is left out of the steady-state figures. */
    static final Duration SETTLE = Duration.ofSeconds(2);
    /** The longest the bench waits for a calm host before it measures anyway (the results say how busy it was). */
    private static final Duration CALM_WAIT = Duration.ofMinutes(3);

    private final BenchOptions options;
    private final Path out;
    private final Path ffmpeg;
    private final SlotConfig slotConfig;
    private final Map<String, Object> results = new LinkedHashMap<>();
    /** The printed table, by section number, so that it reads in order whatever ran first. */
    private final Map<Integer, List<String>> table = new TreeMap<>();

    private PipelineBench(BenchOptions options) throws IOException {
        this.options = options;
        this.out = options.out().toAbsolutePath();
        deleteRecursively(out.resolve("recordings"));
        deleteRecursively(out.resolve("work"));
        Files.createDirectories(out);
        this.ffmpeg = FfmpegBinary.resolve(Optional.empty());
        this.slotConfig = SlotConfig.defaults().withWorkDirectory(out.resolve("work")).withProfile(options.profile());
    }

    public static void main(String[] args) throws Exception {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            if (!e.getMessage().isEmpty()) {
                System.err.println("capstan bench: " + e.getMessage());
            }
            System.err.print(BenchOptions.USAGE);
            System.exit(e.getMessage().isEmpty() ? 0 : 2);
            return;
        }
        avutil.av_log_set_level(avutil.AV_LOG_ERROR); // MediaReport's decoding would print every file's header
        new PipelineBench(options).run();
        System.exit(0); // Selenium's and the page server's threads would keep the JVM alive
    }

    private void run() throws Exception {
        awaitCalm();
        long started = System.nanoTime();
        results.put("machine", machine());
        results.put("options", options);
        results.put("targets", Map.of(
                "warmStartMedianMillis", 1000, "warmOverColdAtMost", 0.25, "concurrent720p30AtLeast", 2,
                "cpuPerMinuteVsJibriAtMost", 1.0, "cpuPerMinuteVsJibriAim", 0.7,
                "quality", "fps >= 29, repeated < 5%, |A/V| <= 100 ms"));
        try (PageServer pages = PageServer.start()) {
            URI demo = pages.demo();
            if (options.runs("floor")) {
                encoderFloor();
            }
            Map<String, Object> ours = Map.of();
            Map<String, Object> jibri = Map.of();
            boolean both = options.compares("capstan") && options.compares("jibri");
            if ((options.runs("latency") || options.runs("cost")) && options.compares("capstan")) {
                ours = capstan(demo);
            }
            if ((options.runs("latency") || options.runs("cost")) && options.compares("jibri")) {
                jibri = jibriStyle(demo);
            }
            if (options.runs("latency") && both) {
                compareStarts(ours, jibri);
            }
            if (options.runs("cost") && both) {
                compareCosts(ours, jibri);
            }
            if (options.runs("capacity")) {
                capacity(demo);
            }
            if (options.runs("floor") && ours.get("cost") instanceof Map<?, ?> cost) {
                compareWithFloor(cost);
            }
            if (options.runs("pressure")) {
                PressureBench.Report pressure = new PressureBench(slotConfig, out, options.pressureSeconds()).run(demo);
                results.put("pressure", pressure.results());
                pressure.lines().forEach(text -> line(6, text));
            }
            if (options.runs("audio")) {
                AudioOnlyBench.Report audio = new AudioOnlyBench(slotConfig, out, AudioOnlyBench.SECONDS).run(demo);
                results.put("audioOnly", audio.results());
                audio.lines().forEach(text -> line(7, text));
            }
            if (options.runs("speakers")) {
                SpeakerTracksBench.Report speakers = new SpeakerTracksBench(slotConfig, out, ffmpeg,
                        options.speakersSeconds(), options.speakerCounts()).run(pages);
                results.put("speakerTracks", speakers.results());
                speakers.lines().forEach(text -> line(8, text));
            }
            if (options.runs("live")) {
                LiveStreamCost.Report live = new LiveStreamCost(slotConfig, out, options).run(demo);
                results.put("liveStreaming", live.results());
                live.lines().forEach(text -> line(5, text));
            }
        }
        results.put("benchSeconds", Math.round((System.nanoTime() - started) / 1e9));
        Path json = out.resolve("results.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json.toFile(), results);
        System.out.println();
        System.out.println(header());
        table.values().forEach(lines -> lines.forEach(System.out::println));
        System.out.printf(Locale.ROOT, "%nbench took %d s; written %s%n", Math.round((System.nanoTime() - started) / 1e9), json);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Quality: every recording is decoded and judged the same way.

    /** What a viewer would check, from decoding the whole file. */
    record Quality(double seconds, double fps, double repeatedShare, Double avOffsetMillis, long bytes,
                   double kilobitsPerSecond, boolean passes) {

        static Quality of(Path file) throws Exception {
            MediaReport report = MediaReport.of(file);
            long bytes = Files.size(file);
            OptionalDouble av = report.avOffsetMillis();
            boolean passes = report.averageFps() >= MIN_FPS && report.repeatedFrameShare() < MAX_REPEATED
                    && av.isPresent() && Math.abs(av.getAsDouble()) <= MAX_AV_OFFSET_MILLIS;
            return new Quality(report.duration(), report.averageFps(), report.repeatedFrameShare(),
                    av.isPresent() ? av.getAsDouble() : null, bytes,
                    report.duration() > 0 ? bytes * 8 / report.duration() / 1000 : 0, passes);
        }

        String brief() {
            return String.format(Locale.ROOT, "%.2f fps, %.1f%% repeated, A/V %s, %.0f kb/s%s", fps,
                    repeatedShare * 100, avOffsetMillis == null ? "n/a" : String.format(Locale.ROOT, "%+.0f ms", avOffsetMillis),
                    kilobitsPerSecond, passes ? "" : "  FAILS QUALITY");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Our pipeline: one warm slot for the start latencies and the cost run.

    /** A recording on a slot, watched from the request on. */
    static final class SlotRecording {
        final long requestedAt = System.nanoTime();
        final CompletableFuture<Duration> firstFrame = new CompletableFuture<>();
        final CompletableFuture<Duration> joined = new CompletableFuture<>();
        /** (nanoTime, seconds of media written, frames written) from each progress report. */
        final List<double[]> progress = new CopyOnWriteArrayList<>();
        final ObservedPage page;
        final Recording recording;

        SlotRecording(Slot slot, URI demo, Path directory, String id, int seconds) {
            this(slot, demo, directory, id, seconds, UnaryOperator.identity());
        }

        /** @param adjust adds to the request, live output for instance */
        SlotRecording(Slot slot, URI demo, Path directory, String id, int seconds, UnaryOperator<RecordingRequest> adjust) {
            this.page = new ObservedPage(demo);
            RecordingRequest request = adjust.apply(RecordingRequest.of(RecordingId.of(id), page, directory.resolve(id))
                    .withMaxDuration(Duration.ofSeconds(seconds)));
            this.recording = slot.record(request, event -> {
                if (event instanceof SlotEvent.Joined join) {
                    joined.complete(join.sinceRequest());
                } else if (event instanceof SlotEvent.FirstFrameWritten first) {
                    firstFrame.complete(first.sinceRequest());
                } else if (event instanceof SlotEvent.Progress step) {
                    progress.add(new double[] {System.nanoTime(), step.progress().recorded().toNanos() / 1e9,
                            step.progress().frames()});
                } else if (event instanceof SlotEvent.Failed failed) {
                    firstFrame.completeExceptionally(new IllegalStateException(id + " failed: " + failed.failure()));
                }
            });
        }

        Duration awaitFirstFrame() throws Exception {
            return firstFrame.get(60, TimeUnit.SECONDS);
        }

        Path awaitFile() throws Exception {
            SlotEvent.Outcome outcome = recording.outcome().get(120, TimeUnit.SECONDS);
            if (outcome instanceof SlotEvent.Stopped stopped && stopped.file().isPresent()) {
                return stopped.file().get();
            }
            throw new IllegalStateException(recording.id() + " did not produce a file: " + outcome);
        }

        /** Slowest and mean encoder speed over the run (media seconds per wall second), after the start settled. */
        double[] speeds() {
            List<double[]> points = new ArrayList<>(progress);
            if (points.size() < 2) {
                return new double[] {0, 0};
            }
            double settleFrom = points.get(0)[0] + SETTLE.toNanos();
            double window = SPEED_WINDOW.toNanos();
            double slowest = Double.MAX_VALUE;
            for (int i = 0; i < points.size(); i++) {
                if (points.get(i)[0] < settleFrom) {
                    continue;
                }
                for (int j = i + 1; j < points.size(); j++) {
                    double wall = points.get(j)[0] - points.get(i)[0];
                    if (wall >= window) {
                        slowest = Math.min(slowest, (points.get(j)[1] - points.get(i)[1]) / (wall / 1e9));
                        break;
                    }
                }
            }
            double[] first = points.get(0);
            double[] last = points.get(points.size() - 1);
            double mean = (last[1] - first[1]) / ((last[0] - first[0]) / 1e9);
            return new double[] {slowest == Double.MAX_VALUE ? mean : slowest, mean};
        }

        /** Frames and media seconds the encoder wrote per wall second between two {@link System#nanoTime()}s. */
        double[] fpsAndSpeedBetween(long fromNanos, long toNanos) {
            List<double[]> inside = progress.stream().filter(point -> point[0] >= fromNanos && point[0] <= toNanos).toList();
            if (inside.size() < 2) {
                return new double[] {Double.NaN, Double.NaN};
            }
            double[] first = inside.get(0);
            double[] last = inside.get(inside.size() - 1);
            double wall = (last[0] - first[0]) / 1e9;
            return new double[] {(last[2] - first[2]) / wall, (last[1] - first[1]) / wall};
        }
    }

    private Map<String, Object> capstan(URI demo) throws Exception {
        Map<String, Object> section = new LinkedHashMap<>();
        Path recordings = out.resolve("recordings/capstan");
        try (Slot slot = new Slot("bench-1", slotConfig)) {
            long warming = System.nanoTime();
            slot.warmUp();
            section.put("warmUpMillis", (System.nanoTime() - warming) / 1_000_000);
            progress("capstan: slot warm in %d ms", (System.nanoTime() - warming) / 1_000_000);
            if (options.runs("latency")) {
                List<Map<String, Object>> starts = new ArrayList<>();
                for (int run = 1; run <= options.warmRuns(); run++) {
                    SlotRecording recording = new SlotRecording(slot, demo, recordings, "warm-" + run, options.startSeconds());
                    Duration firstFrame = recording.awaitFirstFrame();
                    long joined = recording.joined.getNow(Duration.ZERO).toMillis();
                    Quality quality = Quality.of(recording.awaitFile());
                    starts.add(Map.of("firstFrameMillis", firstFrame.toMillis(), "pageLoadedMillis", joined,
                            "quality", quality));
                    progress("capstan warm start %d: first frame %d ms (page loaded %d) | %s", run, firstFrame.toMillis(),
                            joined, quality.brief());
                }
                section.put("starts", starts);
            }
            if (options.runs("cost")) {
                section.put("cost", capstanCost(slot, demo, recordings));
            }
        }
        results.put("capstan", section);
        return section;
    }

    private Map<String, Object> capstanCost(Slot slot, URI demo, Path recordings) throws Exception {
        awaitCalm(); // the slot's warm-up may have loaded the host: the encoder's preset is chosen at its start
        ResourceMeter meter = ResourceMeter.start();
        SlotRecording recording = new SlotRecording(slot, demo, recordings, "cost", options.costSeconds());
        Duration firstFrame = recording.awaitFirstFrame();
        Steady steady = steadyState(meter, recording.page.frameCounter());
        Path file = recording.awaitFile();
        ResourceMeter.Usage whole = meter.finish();
        Quality quality = Quality.of(file);
        Map<String, Object> cost = cost(firstFrame, steady, whole, quality);
        cost.put("encoderSpeedMinMean", recording.speeds());
        cost.put("x264Preset", recording.recording.videoProfile().map(VideoProfile::x264Preset).orElse("unknown"));
        progress("capstan cost: %s", describeCost(cost));
        return cost;
    }

    /** CPU and rendering between the settled start and shortly before the end of a recording. */
    private record Steady(ResourceMeter.Usage usage, double renderedFps) {
    }

    private Steady steadyState(ResourceMeter meter, Supplier<OptionalDouble> frames) throws InterruptedException {
        Thread.sleep(SETTLE.toMillis());
        ResourceMeter.Usage from = meter.usage();
        OptionalDouble framesFrom = frames.get();
        long fromNanos = System.nanoTime();
        Thread.sleep(Math.max(1, options.costSeconds() - SETTLE.toSeconds() - 2) * 1000L);
        OptionalDouble framesTo = frames.get();
        double rendered = ObservedPage.renderedFps(framesFrom, fromNanos, framesTo, System.nanoTime());
        ResourceMeter.Usage to = meter.usage();
        return new Steady(to.since(from), rendered);
    }

    private static Map<String, Object> cost(Duration firstFrame, Steady steady, ResourceMeter.Usage whole, Quality quality) {
        double minutes = quality.seconds() / 60;
        Map<String, Object> cost = new LinkedHashMap<>();
        cost.put("recordedSeconds", quality.seconds());
        cost.put("firstFrameMillis", firstFrame.toMillis());
        cost.put("steadyCores", steady.usage().cores());
        cost.put("steadyCoresByProgram", rounded(steady.usage().coresByProgram(), 3));
        cost.put("steadyCpuSecondsPerMinute", steady.usage().cores() * 60);
        cost.put("wholeCpuSeconds", whole.cpuSeconds());
        cost.put("wholeCpuSecondsByProgram", rounded(whole.cpuSecondsByProgram(), 2));
        cost.put("wholeCpuSecondsPerMinute", whole.cpuSeconds() / minutes);
        cost.put("peakPssMegabytes", whole.peakPssMegabytes());
        cost.put("peakPssMegabytesByProgram", rounded(whole.peakPssMegabytesByProgram(), 0));
        cost.put("renderedFps", steady.renderedFps());
        cost.put("hostBusyCores", steady.usage().hostBusyCores());
        cost.put("quality", quality);
        return cost;
    }

    private static String describeCost(Map<String, Object> cost) {
        return String.format(Locale.ROOT, "%.1f CPU-s/min steady (%.2f cores %s), %.1f CPU-s/min whole, peak PSS %.0f MB %s,"
                        + " renders %.1f fps | %s",
                (double) cost.get("steadyCpuSecondsPerMinute"), (double) cost.get("steadyCores"),
                cost.get("steadyCoresByProgram"), (double) cost.get("wholeCpuSecondsPerMinute"),
                (double) cost.get("peakPssMegabytes"), cost.get("peakPssMegabytesByProgram"),
                (double) cost.get("renderedFps"), ((Quality) cost.get("quality")).brief());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Jibri-style: fresh browser and encoder per recording.

    private Map<String, Object> jibriStyle(URI demo) throws Exception {
        Map<String, Object> section = new LinkedHashMap<>();
        section.put("command", "see JibriStylePipeline.command: Jibri's default recording arguments at 1280x720, pulse input"
                + (options.jibriFragmentSize() ? " with -fragment_size 4096" : ""));
        try (JibriStylePipeline jibri = new JibriStylePipeline(ffmpeg, slotConfig, out.resolve("work/jibri-style"),
                options.jibriFragmentSize(), CaptureCommand.STATS_PERIOD_SECONDS)) {
            if (options.runs("latency")) {
                List<Map<String, Object>> starts = new ArrayList<>();
                for (int run = 1; run <= options.coldRuns(); run++) {
                    JibriStylePipeline.Session session = jibri.start(demo);
                    Thread.sleep(options.startSeconds() * 1000L);
                    JibriStylePipeline.Run result = session.stop();
                    Quality quality = Quality.of(result.file());
                    Map<String, Object> start = new LinkedHashMap<>();
                    start.put("firstFrameMillis", result.firstFrame().toMillis());
                    start.put("browserUpMillis", result.browserUp().toMillis());
                    start.put("pageLoadedMillis", result.pageLoaded().toMillis());
                    start.put("teardownMillis", result.teardown().toMillis());
                    start.put("quality", quality);
                    starts.add(start);
                    progress("jibri-style cold start %d: first frame %d ms (browser up %d, page loaded %d) | %s", run,
                            result.firstFrame().toMillis(), result.browserUp().toMillis(), result.pageLoaded().toMillis(),
                            quality.brief());
                }
                section.put("starts", starts);
            }
            if (options.runs("cost")) {
                ResourceMeter meter = ResourceMeter.start();
                JibriStylePipeline.Session session = jibri.start(demo);
                long firstFrameAt = System.nanoTime();
                Steady steady = steadyState(meter, session.frameCounter());
                // As long as Capstan's cost recording: the stop comes this long after the first frame.
                long remaining = firstFrameAt + options.costSeconds() * 1_000_000_000L - System.nanoTime();
                Thread.sleep(Math.max(0, remaining / 1_000_000));
                JibriStylePipeline.Run run = session.stop();
                ResourceMeter.Usage whole = meter.finish();
                Map<String, Object> cost = cost(run.firstFrame(), steady, whole, Quality.of(run.file()));
                progress("jibri-style cost: %s", describeCost(cost));
                section.put("cost", cost);
            }
        }
        results.put("jibriStyle", section);
        return section;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Comparisons and the table.

    @SuppressWarnings("unchecked")
    private void compareStarts(Map<String, Object> ours, Map<String, Object> jibri) {
        List<Map<String, Object>> warm = (List<Map<String, Object>>) ours.get("starts");
        List<Map<String, Object>> cold = (List<Map<String, Object>>) jibri.get("starts");
        double warmMedian = median(warm.stream().map(s -> ((Number) s.get("firstFrameMillis")).doubleValue()).toList());
        double coldMedian = median(cold.stream().map(s -> ((Number) s.get("firstFrameMillis")).doubleValue()).toList());
        boolean warmQuality = warm.stream().allMatch(s -> ((Quality) s.get("quality")).passes());
        boolean coldQuality = cold.stream().allMatch(s -> ((Quality) s.get("quality")).passes());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("warmMedianMillis", warmMedian);
        summary.put("coldMedianMillis", coldMedian);
        summary.put("warmOverCold", warmMedian / coldMedian);
        summary.put("warmQualityAllPass", warmQuality);
        summary.put("coldQualityAllPass", coldQuality);
        summary.put("meetsTargets", warmMedian <= 1000 && warmMedian / coldMedian <= 0.25);
        results.put("startLatency", summary);

        line(1, "");
        line(1, "1. Start latency: request -> first frame written (demo page, " + options.startSeconds() + " s recordings)");
        line(1, String.format(Locale.ROOT, "   %-22s %8s   %-36s %s", "", "median", "runs (ms)", "quality"));
        line(1, String.format(Locale.ROOT, "   %-22s %5.0f ms   %-36s %s", "Capstan, warm slot", warmMedian,
                runs(warm), verdict(qualities(warm))));
        line(1, String.format(Locale.ROOT, "   %-22s %5.0f ms   %-36s %s", "Jibri-style, cold", coldMedian,
                runs(cold), verdict(qualities(cold))));
        double browserUp = median(cold.stream().map(s -> ((Number) s.get("browserUpMillis")).doubleValue()).toList());
        double pageLoaded = median(cold.stream().map(s -> ((Number) s.get("pageLoadedMillis")).doubleValue()).toList());
        line(1, String.format(Locale.ROOT, "   (Jibri-style medians: browser up after %.0f ms, page loaded after %.0f ms, then FFmpeg)",
                browserUp, pageLoaded));
        line(1, String.format(Locale.ROOT, "   warm / cold = %.2fx   (targets: warm median <= 1000 ms: %s; <= 0.25x: %s)",
                warmMedian / coldMedian, warmMedian <= 1000 ? "met" : "MISSED", warmMedian / coldMedian <= 0.25 ? "met" : "MISSED"));
    }

    private void line(int section, String text) {
        table.computeIfAbsent(section, number -> new ArrayList<>()).add(text);
    }

    /** Which quality bars some of these recordings miss, and how many. */
    static String verdict(List<Quality> recordings) {
        long slow = recordings.stream().filter(q -> q.fps() < MIN_FPS).count();
        long repeats = recordings.stream().filter(q -> q.repeatedShare() >= MAX_REPEATED).count();
        long sync = recordings.stream().filter(q -> q.avOffsetMillis() == null
                || Math.abs(q.avOffsetMillis()) > MAX_AV_OFFSET_MILLIS).count();
        if (slow + repeats + sync == 0) {
            return "all pass";
        }
        List<String> misses = new ArrayList<>();
        int n = recordings.size();
        if (slow > 0) {
            misses.add("fps < 29 in " + slow + "/" + n);
        }
        if (repeats > 0) {
            misses.add("repeated >= 5% in " + repeats + "/" + n);
        }
        if (sync > 0) {
            misses.add("|A/V| > 100 ms in " + sync + "/" + n);
        }
        return "FAILS: " + String.join(", ", misses);
    }

    private static List<Quality> qualities(List<Map<String, Object>> starts) {
        return starts.stream().map(start -> (Quality) start.get("quality")).toList();
    }

    private static String runs(List<Map<String, Object>> starts) {
        return starts.stream().map(s -> Long.toString(((Number) s.get("firstFrameMillis")).longValue()))
                .collect(Collectors.joining(" "));
    }

    @SuppressWarnings("unchecked")
    private void compareCosts(Map<String, Object> ours, Map<String, Object> jibri) {
        Map<String, Object> a = (Map<String, Object>) ours.get("cost");
        Map<String, Object> b = (Map<String, Object>) jibri.get("cost");
        double steadyRatio = (double) a.get("steadyCpuSecondsPerMinute") / (double) b.get("steadyCpuSecondsPerMinute");
        double wholeRatio = (double) a.get("wholeCpuSecondsPerMinute") / (double) b.get("wholeCpuSecondsPerMinute");
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("steadyCpuOursOverJibri", steadyRatio);
        summary.put("wholeCpuOursOverJibri", wholeRatio);
        summary.put("peakPssOursOverJibri", (double) a.get("peakPssMegabytes") / (double) b.get("peakPssMegabytes"));
        results.put("costComparison", summary);

        line(2, "");
        line(2, "2. Cost per recorded minute (one " + options.costSeconds() + " s recording alone; all processes of the pipeline)");
        line(2, String.format(Locale.ROOT, "   %-14s %10s %10s %9s %7s   %-28s %s", "", "CPU-s/min", "CPU-s/min", "peak PSS",
                "renders", "", ""));
        line(2, String.format(Locale.ROOT, "   %-14s %10s %10s %9s %7s   %-28s %s", "", "steady", "whole", "", "fps",
                "output", "cores by program (steady)"));
        line(2, costRow("Capstan", a));
        line(2, costRow("Jibri-style", b));
        line(2, String.format(Locale.ROOT, "   Capstan / Jibri-style: CPU %.2fx steady, %.2fx whole recording; memory %.2fx"
                        + "   (target <= 1.0x: %s; aim 0.7x: %s)", steadyRatio, wholeRatio,
                (double) summary.get("peakPssOursOverJibri"), steadyRatio <= 1.0 ? "met" : "MISSED",
                steadyRatio <= 0.7 ? "met" : "not yet"));
        line(2, "   (whole = request to teardown, so Jibri-style pays its browser launch; peak PSS by program:");
        line(2, "    Capstan " + a.get("peakPssMegabytesByProgram") + ", Jibri-style " + b.get("peakPssMegabytesByProgram") + ")");
    }

    private static String costRow(String name, Map<String, Object> cost) {
        Quality quality = (Quality) cost.get("quality");
        return String.format(Locale.ROOT, "   %-14s %10.1f %10.1f %6.0f MB %7.1f   %-28s %s", name,
                (double) cost.get("steadyCpuSecondsPerMinute"), (double) cost.get("wholeCpuSecondsPerMinute"),
                (double) cost.get("peakPssMegabytes"), (double) cost.get("renderedFps"),
                String.format(Locale.ROOT, "%.1f fps %.1f%% rep %s %.0fk", quality.fps(), quality.repeatedShare() * 100,
                        quality.avOffsetMillis() == null ? "A/V n/a" : String.format(Locale.ROOT, "A/V%+.0f", quality.avOffsetMillis()),
                        quality.kilobitsPerSecond()) + (quality.passes() ? "" : " FAIL"),
                cost.get("steadyCoresByProgram"));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Capacity: k warm slots recording at once.

    private void capacity(URI demo) throws Exception {
        List<Map<String, Object>> steps = new ArrayList<>();
        List<Slot> slots = new ArrayList<>();
        int sustained = 0;
        line(3, "");
        line(3, "3. Capacity: concurrent " + options.profile().name() + "30 recordings on warm slots (" + options.capacitySeconds()
                + " s each; pass = every one >= 29 fps, < 5% repeated)");
        line(3, String.format(Locale.ROOT, "   %2s  %-6s %-44s %-22s %s", "k", "result", "per recording: fps / repeated / A/V",
                "slowest 5 s speed", "cores (ours / host)"));
        try {
            for (int k = 1; k <= options.maxConcurrent(); k++) {
                Slot slot = new Slot("bench-" + k, slotConfig);
                slots.add(slot);
                slot.warmUp();
                Map<String, Object> step = capacityStep(demo, slots, k);
                steps.add(step);
                if (Boolean.TRUE.equals(step.get("sustained"))) {
                    sustained = k;
                } else {
                    break;
                }
            }
        } finally {
            slots.forEach(Slot::close);
        }
        results.put("capacity", Map.of("sustainedConcurrent", sustained, "steps", steps));
        line(3, String.format(Locale.ROOT, "   capacity: %d concurrent %s30 recordings (target >= 2: %s)", sustained,
                options.profile().name(),
                sustained >= 2 ? "met" : "MISSED"));
    }

    private Map<String, Object> capacityStep(URI demo, List<Slot> slots, int k) throws Exception {
        Path recordings = out.resolve("recordings/capacity-" + k);
        ResourceMeter meter = ResourceMeter.start();
        List<SlotRecording> running = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            running.add(new SlotRecording(slots.get(i), demo, recordings, "k" + k + "-" + (i + 1), options.capacitySeconds()));
        }
        for (SlotRecording recording : running) {
            recording.awaitFirstFrame();
        }
        Thread.sleep(SETTLE.toMillis());
        ResourceMeter.Usage from = meter.usage();
        List<Path> files = new ArrayList<>();
        for (SlotRecording recording : running) {
            files.add(recording.awaitFile());
        }
        ResourceMeter.Usage window = meter.finish().since(from);
        List<Map<String, Object>> lanes = new ArrayList<>();
        boolean all = true;
        StringBuilder perRecording = new StringBuilder();
        StringBuilder speeds = new StringBuilder();
        for (int i = 0; i < k; i++) {
            Quality quality = Quality.of(files.get(i));
            double[] speed = running.get(i).speeds();
            boolean passes = quality.fps() >= MIN_FPS && quality.repeatedShare() < MAX_REPEATED;
            all &= passes;
            lanes.add(Map.of("quality", quality, "slowestWindowSpeed", speed[0], "meanSpeed", speed[1], "passes", passes));
            perRecording.append(String.format(Locale.ROOT, "%s%.1f/%.1f%%/%s", i == 0 ? "" : "  ", quality.fps(),
                    quality.repeatedShare() * 100, quality.avOffsetMillis() == null ? "n/a"
                            : String.format(Locale.ROOT, "%+.0f", quality.avOffsetMillis())));
            speeds.append(String.format(Locale.ROOT, "%s%.3f", i == 0 ? "" : " ", speed[0]));
        }
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("concurrent", k);
        step.put("sustained", all);
        step.put("cores", window.cores());
        step.put("coresByProgram", rounded(window.coresByProgram(), 3));
        step.put("hostBusyCores", window.hostBusyCores());
        step.put("peakPssMegabytes", window.peakPssMegabytes());
        step.put("recordings", lanes);
        String row = String.format(Locale.ROOT, "   %2d  %-6s %-44s %-22s %.2f / %.2f", k, all ? "pass" : "FAIL",
                perRecording, speeds, window.cores(), window.hostBusyCores());
        line(3, row);
        progress("capacity k=%d: %s", k, row.trim());
        return step;
    }

    // ---------------------------------------------------------------------------------------------------------
    // The encoder-only floor.

    private void encoderFloor() throws Exception {
        int seconds = options.floorSeconds();
        Path directory = out.resolve("recordings/floor");
        Files.createDirectories(directory.resolve("capstan"));
        CaptureCommand ours = new CaptureCommand(":0", "unused", "unused", slotConfig.profile(), directory.resolve("capstan"),
                slotConfig.segmentLength(), slotConfig.audioDelay(), Optional.of(Duration.ofSeconds(seconds)));
        EncoderFloor.Result capstan = EncoderFloor.run(ffmpeg,
                EncoderFloor.soundThenPicture(slotConfig.profile().width(), slotConfig.profile().height(),
                        slotConfig.profile().frameRate()),
                ours.outputArguments(), seconds);
        List<String> jibriOutputs = new ArrayList<>(List.of("-t", Integer.toString(seconds)));
        jibriOutputs.addAll(JibriStylePipeline.outputArguments(directory.resolve("jibri-style.mp4")));
        EncoderFloor.Result jibri = EncoderFloor.run(ffmpeg,
                EncoderFloor.pictureThenSound(JibriStylePipeline.WIDTH, JibriStylePipeline.HEIGHT, 30), jibriOutputs, seconds);
        Map<String, Object> floor = new LinkedHashMap<>();
        floor.put("source", "lavfi testsrc2 1280x720 30 fps as bgr0 (as x11grab delivers) + 440 Hz sine, -readrate 1");
        floor.put("capstanEncode", floorResult(capstan));
        floor.put("jibriEncode", floorResult(jibri));
        results.put("encoderFloor", floor);
        line(4, "");
        line(4, "4. Encoder-only floor: the same FFmpeg encode fed from a synthetic 720p30 source (" + seconds + " s, real time)");
        line(4, String.format(Locale.ROOT, "   Capstan's encode      %5.1f CPU-s/min (%.2f cores), peak PSS %.0f MB, speed %.2fx",
                capstan.usage().cpuSeconds() / (seconds / 60.0), capstan.usage().cores(), capstan.usage().peakPssMegabytes(),
                capstan.speed()));
        line(4, String.format(Locale.ROOT, "   Jibri's encode        %5.1f CPU-s/min (%.2f cores), peak PSS %.0f MB, speed %.2fx",
                jibri.usage().cpuSeconds() / (seconds / 60.0), jibri.usage().cores(), jibri.usage().peakPssMegabytes(),
                jibri.speed()));
        progress("encoder floor: capstan %.2f cores, jibri %.2f cores", capstan.usage().cores(), jibri.usage().cores());
    }

    /** How far the whole pipeline is above its encode alone. */
    @SuppressWarnings("unchecked")
    private void compareWithFloor(Map<?, ?> cost) {
        Map<String, Object> floor = (Map<String, Object>) ((Map<String, Object>) results.get("encoderFloor")).get("capstanEncode");
        Map<String, Double> programs = (Map<String, Double>) cost.get("steadyCoresByProgram");
        double pipeline = (double) cost.get("steadyCores");
        double encodeAlone = (double) floor.get("cores");
        line(4, String.format(Locale.ROOT, "   Capstan's whole pipeline: %.2f cores = %.2fx its encode alone (FFmpeg in the pipeline"
                + " %.2f cores; the rest is the browser, display and sound)", pipeline, pipeline / encodeAlone,
                programs.getOrDefault("ffmpeg", 0.0)));
    }

    private static Map<String, Object> floorResult(EncoderFloor.Result result) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("cores", result.usage().cores());
        map.put("cpuSecondsPerMinute", result.usage().cpuSeconds() / (result.seconds() / 60.0));
        map.put("peakPssMegabytes", result.usage().peakPssMegabytes());
        map.put("speed", result.speed());
        return map;
    }

    // ---------------------------------------------------------------------------------------------------------

    private String header() {
        @SuppressWarnings("unchecked")
        Map<String, Object> machine = (Map<String, Object>) results.get("machine");
        return String.format(Locale.ROOT, "Capstan bench, %s: %s, %s cores, %s GiB; %s; %s; Capstan records %s",
                machine.get("date"), machine.get("cpu"), machine.get("cores"), machine.get("memoryGiB"),
                machine.get("chromium"), machine.get("ffmpeg"), options.profile().name());
    }

    /**
     * Waits (up to {@link #CALM_WAIT}) for earlier work (the build that usually runs just before, the slot's warm-up)
     * to stop weighing on the load average: from 0.75 per core on, the recorder encodes with ultrafast (see
     * PresetChoice), and the figures would describe that preset rather than the normal one. Half a core is kept to
     * spare, since joining the page adds to the load before the encoder's preset is chosen.
     */
    private static void awaitCalm() throws IOException, InterruptedException {
        int cores = Runtime.getRuntime().availableProcessors();
        double calm = PresetChoice.SHORT_OF_CPU * cores - 0.5;
        long deadline = System.nanoTime() + CALM_WAIT.toNanos();
        double load;
        while ((load = loadAverage()) >= calm && System.nanoTime() < deadline) {
            System.out.printf(Locale.ROOT, "bench: load average %.2f on %d cores; waiting for it to fall below %.2f"
                    + " (up to %d s more)%n", load, cores, calm,
                    TimeUnit.NANOSECONDS.toSeconds(deadline - System.nanoTime()));
            Thread.sleep(10_000);
        }
    }

    private static double loadAverage() throws IOException {
        return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split("\\s+")[0]);
    }

    private Map<String, Object> machine() throws Exception {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("date", LocalDate.now().toString());
        machine.put("cpu", Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                .filter(line -> line.startsWith("model name")).findFirst()
                .map(line -> line.substring(line.indexOf(':') + 2)).orElse("unknown"));
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("memoryGiB", Math.round(Files.readAllLines(Path.of("/proc/meminfo")).stream()
                .filter(line -> line.startsWith("MemTotal")).findFirst()
                .map(line -> Long.parseLong(line.replaceAll("\\D+", ""))).orElse(0L) / 1048576.0));
        // Above 0.75 per core the recorder encodes with ultrafast (PresetChoice): cheaper CPU, bigger files.
        machine.put("loadAverage", loadAverage());
        machine.put("chromium", firstLine(slotConfig.chromium().toString(), "--version"));
        machine.put("ffmpeg", firstLine(ffmpeg.toString(), "-hide_banner", "-version").replaceAll(" Copyright.*", "")
                + " (" + ffmpeg.getFileName() + " bundled with JavaCV)");
        return machine;
    }

    private static String firstLine(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes()).trim();
            process.waitFor(10, TimeUnit.SECONDS);
            return output.lines().findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static Map<String, Double> rounded(Map<String, Double> values, int decimals) {
        double scale = Math.pow(10, decimals);
        Map<String, Double> rounded = new TreeMap<>();
        values.forEach((program, value) -> rounded.put(program, Math.round(value * scale) / scale));
        return rounded;
    }

    static void progress(String format, Object... args) {
        System.out.printf(Locale.ROOT, "bench: " + format + "%n", args);
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
