package dev.capstan.recorder.bench;

import dev.capstan.recorder.bench.PipelineBench.Quality;
import dev.capstan.recorder.bench.PipelineBench.SlotRecording;
import dev.capstan.recorder.fixture.RtmpServer;
import dev.capstan.recorder.live.LiveOutput;
import dev.capstan.recorder.live.LiveSettings;
import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.slot.Slot;
import dev.capstan.recorder.slot.SlotConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.IntStream;

/**
 * What live streaming costs on top of recording, on the real pipeline. One warm slot records the demo meeting
 * alone, and again while streaming to one (and more) RTMP destinations on a local nginx; the scenarios run in
 * rounds whose order is reversed every other round, so that warming up favours none. Each recording is measured
 * over a steady window of the same length, once the start has settled and every stream is live.
 *
 * <p>The streaming side of a recording is its encoder (which, streaming, also caps its rate and writes an MPEG-TS
 * copy through the tee muxer), the destinations' copy-only FFmpegs, and the JVM threads that carry the feed to them.
 * The browser, Xvfb and PulseAudio are reported apart, so that the whole recording's cost shows too. nginx stands in
 * for YouTube: its CPU is reported but is not ours. Every stream is checked to have arrived (nginx saw it published,
 * and the FLV it recorded decodes at full length and frame rate), so no figure comes from a broken stream.
 */
final class LiveStreamCost {

    private static final String ENCODER = "encoder";
    private static final String DESTINATIONS = "destinations";
    private static final String NGINX = "nginx";
    /** The feed's reader, each destination's supervisor and writer (live-...), its FFmpeg's output readers (stream-...). */
    private static final List<String> LIVE_THREADS = List.of("live-", "stream-");
    private static final Duration PUBLISHER_TIMEOUT = Duration.ofSeconds(20);
    /** Each recording is stopped when its window ends; its own limit is only a safety net. */
    private static final int LIMIT_MARGIN_SECONDS = 60;
    private static final double TARGET_RATIO = 1.2;

    private final SlotConfig slotConfig;
    private final Path out;
    private final int seconds;
    private final int rounds;
    private final List<Integer> scenarios;

    /** The section's figures for results.json, and its part of the printed table. */
    record Report(Map<String, Object> results, List<String> lines) {
    }

    /** What one destination received. */
    record Delivery(String key, boolean publisherSeen, int publishes, Quality flv, int reconnects, long droppedKb,
                    boolean arrived) {
    }

    /**
     * One measured recording.
     *
     * @param cores        mean cores over the window, by part: encoder, destinations, jvm-threads, nginx and programs
     * @param encoderRates frames and media seconds the encoder wrote per second over the window
     * @param renderedFps  how often the page drew meanwhile
     */
    record Run(int round, int destinations, double seconds, Map<String, Double> cores, double hostBusyCores,
               double[] encoderRates, double renderedFps, Quality file, List<Delivery> streams) {

        double part(String... names) {
            return List.of(names).stream().mapToDouble(name -> cores.getOrDefault(name, 0.0)).sum();
        }

        /** The encoder, the destinations' FFmpegs and the feed's threads: what a stream can add to. */
        double streamingSide() {
            return part(ENCODER, DESTINATIONS, ResourceMeter.JVM_THREADS);
        }

        double browser() {
            return part("chromium", "chromedriver");
        }

        double sound() {
            return part("pulseaudio", "parec");
        }

        /** The whole recording: every process of ours and the feed's threads; not nginx. */
        double whole() {
            return cores.values().stream().mapToDouble(Double::doubleValue).sum() - part(NGINX);
        }

        /** Whatever else ran, a thumbnail grab say; kept from showing -0.00 for rounding. */
        double other() {
            return Math.max(0, whole() - streamingSide() - browser() - part("Xvfb") - sound());
        }

        boolean valid() {
            return file.passes() && streams.stream().allMatch(Delivery::arrived);
        }
    }

    LiveStreamCost(SlotConfig slotConfig, Path out, BenchOptions options) {
        this.slotConfig = slotConfig;
        this.out = out;
        this.seconds = options.liveSeconds();
        this.rounds = options.liveRounds();
        List<Integer> all = new ArrayList<>(List.of(0));
        all.addAll(options.liveDestinations());
        this.scenarios = List.copyOf(all);
    }

    Report run(URI demo) throws Exception {
        List<Run> runs = new ArrayList<>();
        try (RtmpServer server = RtmpServer.start(out.resolve("work/nginx"));
             Slot slot = new Slot("bench-live", slotConfig)) {
            slot.warmUp();
            for (int round = 1; round <= rounds; round++) {
                List<Integer> order = new ArrayList<>(scenarios);
                if (round % 2 == 0) {
                    Collections.reverse(order);
                }
                for (int destinations : order) {
                    Run run = measure(slot, server, demo, round, destinations);
                    runs.add(run);
                    PipelineBench.progress("live: %s", row(name(destinations), Integer.toString(round), run, checks(run)).trim());
                }
            }
        }
        return report(runs);
    }

    private Run measure(Slot slot, RtmpServer server, URI demo, int round, int destinations) throws Exception {
        String id = "live-r" + round + "-" + destinations + "dest";
        List<String> keys = IntStream.rangeClosed(1, destinations).mapToObj(n -> id + "-s" + n).toList();
        List<StreamUrl> urls = new ArrayList<>();
        for (String key : keys) {
            urls.add(StreamUrl.parse(server.rtmpUrl(key)));
        }
        SlotRecording recording = new SlotRecording(slot, demo, out.resolve("recordings/live"), id,
                seconds + LIMIT_MARGIN_SECONDS,
                request -> urls.isEmpty() ? request : request.withLive(new LiveOutput(urls, LiveSettings.DEFAULTS, true)));
        recording.awaitFirstFrame();
        Thread.sleep(PipelineBench.SETTLE.toMillis());
        List<Boolean> published = new ArrayList<>();
        for (String key : keys) {
            published.add(server.awaitPublisher(key, PUBLISHER_TIMEOUT).isPresent());
        }
        long encoder = recording.recording.captureProcess()
                .orElseThrow(() -> new IllegalStateException(id + ": the encoder is not running")).pid();

        Supplier<OptionalDouble> frames = recording.page.frameCounter();
        OptionalDouble framesFrom = frames.get();
        long from = System.nanoTime();
        ResourceMeter meter = ResourceMeter.start(parts(encoder), LIVE_THREADS);
        Thread.sleep(seconds * 1000L);
        ResourceMeter.Usage usage = meter.finish();
        OptionalDouble framesTo = frames.get();
        long to = System.nanoTime();
        double renderedFps = ObservedPage.renderedFps(framesFrom, from, framesTo, to);
        List<StreamStats> stats = recording.recording.streams();

        recording.recording.stop();
        Quality file = Quality.of(recording.awaitFile());
        List<Delivery> streams = new ArrayList<>();
        // streams() lists the destinations in the order they were given (s1, s2...), which is the keys' order.
        for (int i = 0; i < keys.size(); i++) {
            streams.add(delivery(server, keys.get(i), published.get(i), stats.size() > i ? stats.get(i) : null));
        }
        return new Run(round, destinations, usage.seconds(), usage.coresByProgram(), usage.hostBusyCores(),
                recording.fpsAndSpeedBetween(from, to), renderedFps, file, streams);
    }

    /** Did the stream get there whole: published once, never dropped, and nginx's copy as long and smooth as the window. */
    private Delivery delivery(RtmpServer server, String key, boolean published, StreamStats stats) throws Exception {
        List<Path> flvs = server.recordings(key);
        Quality flv = flvs.isEmpty() || Files.size(flvs.get(0)) == 0 ? null : Quality.of(flvs.get(0));
        int reconnects = stats == null ? -1 : stats.reconnects();
        long dropped = stats == null ? -1 : stats.droppedKb();
        boolean arrived = published && flvs.size() == 1 && flv != null && flv.seconds() >= seconds
                && flv.fps() >= PipelineBench.MIN_FPS && reconnects == 0 && dropped == 0;
        return new Delivery(key, published, flvs.size(), flv, reconnects, dropped, arrived);
    }

    /**
     * Splits FFmpeg by role: the recording's encoder (and anything it starts), and the destinations' copies, which
     * read the feed from stdin and write FLV. Everything else counts by program. A part is decided once per pid and
     * program, as a child is first seen under the JVM's name until it execs.
     */
    private static ResourceMeter.Grouping parts(long encoderPid) {
        Map<String, String> decided = new ConcurrentHashMap<>();
        return (pid, program) -> decided.computeIfAbsent(pid + " " + program, key -> {
            if (descendsFrom(pid, encoderPid)) {
                return ENCODER;
            }
            String command = commandLine(pid);
            return command.contains(" -i pipe:0 ") && command.contains(" -f flv ") ? DESTINATIONS : program;
        });
    }

    private static boolean descendsFrom(long pid, long ancestor) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        while (process.isPresent()) {
            if (process.get().pid() == ancestor) {
                return true;
            }
            process = process.get().parent();
        }
        return false;
    }

    private static String commandLine(long pid) {
        try {
            return " " + Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).replace('\0', ' ');
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private Report report(List<Run> runs) {
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add(String.format(Locale.ROOT, "5. Live streaming's cost: recording alone vs recording + RTMP to a local nginx"
                + " (one warm slot, %d s windows, rounds: %d, order reversed every other round)", seconds, rounds));
        lines.add("   Mean cores over each window. Streaming side = the encoder + the destinations' FFmpeg copies + the feed's"
                + " JVM threads;");
        lines.add("   whole = all of the recording's processes and those threads (not nginx); host = the whole machine busy.");
        lines.add(String.format(Locale.ROOT, HEADER, "scenario", "round", "streaming side", "encoder", "copies", "jvm",
                "browser", "Xvfb", "pulse", "other", "whole", "nginx", "host", "encoder fps", "speed", "page fps", "checks"));
        runs.forEach(run -> lines.add(row(name(run.destinations()), Integer.toString(run.round()), run, checks(run))));

        Map<String, Object> means = new LinkedHashMap<>();
        Map<Integer, Run> mean = new LinkedHashMap<>();
        for (int destinations : scenarios) {
            List<Run> these = runs.stream().filter(run -> run.destinations() == destinations).toList();
            Run average = mean(these);
            mean.put(destinations, average);
            means.put(name(destinations), json(average));
            lines.add(row(name(destinations), "mean", average,
                    these.stream().filter(Run::valid).count() + "/" + these.size() + " runs valid"));
        }

        Map<String, Object> ratios = new LinkedHashMap<>();
        Run alone = mean.get(0);
        for (int destinations : scenarios.subList(1, scenarios.size())) {
            Run streaming = mean.get(destinations);
            double side = streaming.streamingSide() / alone.streamingSide();
            double whole = streaming.whole() / alone.whole();
            List<Double> perRound = IntStream.rangeClosed(1, rounds).mapToObj(round -> ratio(runs, round, destinations))
                    .toList();
            ratios.put(name(destinations), Map.of("wholeRecording", whole, "streamingSide", side,
                    "wholeRecordingPerRound", perRound));
            lines.add(String.format(Locale.ROOT, "   %s / record alone: whole recording %.2fx (rounds %s), streaming side"
                            + " %.2fx%s", name(destinations), whole,
                    perRound.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList(), side,
                    destinations == 1 ? String.format(Locale.ROOT, "   (target < %.1fx: %s)", TARGET_RATIO,
                            whole < TARGET_RATIO ? "met" : "MISSED") : ""));
        }
        boolean valid = runs.stream().allMatch(Run::valid);
        if (!valid) {
            lines.add("   SOME RUNS ARE NOT VALID (a file failed its quality bar or a stream did not arrive whole): see checks");
        }

        Map<String, Object> results = new LinkedHashMap<>();
        results.put("what", "mean cores over each window; streamingSide = encoder + destination FFmpegs + JVM threads"
                + " live-*/stream-*; whole = all our processes and those threads, not nginx");
        results.put("windowSeconds", seconds);
        results.put("rounds", rounds);
        results.put("target", "record + 1 destination under " + TARGET_RATIO + "x the CPU of recording alone");
        results.put("meetsTarget", ratios.get(name(1)) instanceof Map<?, ?> one
                && (double) one.get("wholeRecording") < TARGET_RATIO);
        results.put("allValid", valid);
        results.put("means", means);
        results.put("ratios", ratios);
        results.put("runs", runs.stream().map(LiveStreamCost::json).toList());
        return new Report(results, lines);
    }

    private static String name(int destinations) {
        return destinations == 0 ? "record" : "record+" + destinations;
    }

    /** Whole-recording ratio of one round's streaming run to its record-alone run. */
    private static double ratio(List<Run> runs, int round, int destinations) {
        ToDoubleFunction<Integer> whole = d -> runs.stream().filter(run -> run.round() == round && run.destinations() == d)
                .mapToDouble(Run::whole).findFirst().orElse(Double.NaN);
        return whole.applyAsDouble(destinations) / whole.applyAsDouble(0);
    }

    /** The runs' mean figures, as a run of round 0 without file or streams. */
    private static Run mean(List<Run> runs) {
        Map<String, Double> cores = new LinkedHashMap<>();
        runs.forEach(run -> run.cores().forEach((part, value) -> cores.merge(part, value / runs.size(), Double::sum)));
        double[] rates = {average(runs, run -> run.encoderRates()[0]), average(runs, run -> run.encoderRates()[1])};
        return new Run(0, runs.get(0).destinations(), average(runs, Run::seconds), cores,
                average(runs, Run::hostBusyCores), rates, average(runs, Run::renderedFps), null, List.of());
    }

    private static double average(List<Run> runs, ToDoubleFunction<Run> figure) {
        return runs.stream().mapToDouble(figure).average().orElse(Double.NaN);
    }

    private static final String HEADER =
            "   %-9s %5s | %14s   %7s   %6s   %5s | %7s %4s %5s %5s | %5s | %5s %4s | %11s %5s %8s | %s";

    private static String row(String name, String round, Run run, String checks) {
        return String.format(Locale.ROOT, "   %-9s %5s | %14.2f = %7.2f + %6.3f + %5.3f | %7.2f %4.2f %5.2f %5.2f | %5.2f"
                        + " | %5.2f %4.2f | %11.1f %5.2f %8.1f | %s", name, round, run.streamingSide(), run.part(ENCODER),
                run.part(DESTINATIONS), run.part(ResourceMeter.JVM_THREADS), run.browser(), run.part("Xvfb"), run.sound(),
                run.other(), run.whole(), run.part(NGINX), run.hostBusyCores(), run.encoderRates()[0],
                run.encoderRates()[1], run.renderedFps(), checks);
    }

    private static String checks(Run run) {
        String file = run.file().passes() ? "file ok" : "file FAILS (" + run.file().brief() + ")";
        if (run.streams().isEmpty()) {
            return file;
        }
        long arrived = run.streams().stream().filter(Delivery::arrived).count();
        return file + String.format(Locale.ROOT, ", streams arrived %d/%d", arrived, run.streams().size())
                + (arrived == run.streams().size() ? "" : " FAILED");
    }

    private static Map<String, Object> json(Run run) {
        Map<String, Object> map = new LinkedHashMap<>();
        if (run.round() > 0) {
            map.put("round", run.round());
        }
        map.put("destinations", run.destinations());
        map.put("seconds", run.seconds());
        map.put("streamingSideCores", run.streamingSide());
        map.put("wholeCores", run.whole());
        map.put("browserCores", run.browser());
        map.put("xvfbCores", run.part("Xvfb"));
        map.put("pulseCores", run.sound());
        map.put("otherCores", run.other());
        map.put("nginxCores", run.part(NGINX));
        map.put("coresByPart", PipelineBench.rounded(run.cores(), 3));
        map.put("hostBusyCores", run.hostBusyCores());
        map.put("encoderFps", run.encoderRates()[0]);
        map.put("encoderSpeed", run.encoderRates()[1]);
        map.put("renderedFps", run.renderedFps());
        if (run.round() > 0) {
            map.put("file", run.file());
            map.put("streams", run.streams());
            map.put("valid", run.valid());
        }
        return map;
    }
}
