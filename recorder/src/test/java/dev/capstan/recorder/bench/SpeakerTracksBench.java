package dev.capstan.recorder.bench;

import dev.capstan.recorder.browser.CallLogin;
import dev.capstan.recorder.browser.JitsiMeetPage;
import dev.capstan.recorder.browser.LoginDelivery;
import dev.capstan.recorder.fixture.LoopbackSpeaker;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.fixture.ProsodyServer;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.node.ProcFs;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.Slot;
import dev.capstan.recorder.slot.SlotConfig;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.recorder.tracks.SpeakerTracks;
import dev.capstan.recorder.tracks.TrackFinishCost;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.bytedeco.javacv.FFmpegFrameGrabber;

/**
 * What keeping each speaker's sound in a file of their own costs, per participant. One warm slot records the fake
 * jitsi-meet on a real Prosody with N loopback speakers (real remote WebRTC audio tracks, each beeping at its own
 * pitch), once as a plain composite recording and once with speaker tracks, for each N; the difference is the
 * tracks' cost. Counted: every process of the slot (Chromium, whose MediaRecorders encode the tracks, chromedriver,
 * which carries the chunks, Xvfb, PulseAudio, FFmpeg) and this JVM, where the node takes the chunks and writes
 * them (its whole CPU time less the meters' own threads); Prosody is the meeting's, not the recorder's. Chromium's
 * renderer is split by thread ({@link RendererThreads}): its thread pool, where the MediaRecorders encode, and its
 * main thread, where the scripts that hand over the chunks run. The composite's encoder, Xvfb and PulseAudio do
 * nothing for the tracks: their difference is printed beside the result, as its noise.
 *
 * <p>That is the live part. The end part, each part's rewrite as Ogg and the decode that finds when it is audible,
 * is timed on hard links to the WebM files as the page gave them (taken just before the stop), through the same
 * code the recorder runs ({@link TrackFinishCost}). The runs alternate which goes first. Every run is checked: the
 * composite loses no second, and with tracks there is one file per speaker carrying its own tone, at least
 * {@value #MIN_SEPARATION_DB} dB above every other speaker's.
 */
final class SpeakerTracksBench {

    private static final double[] PITCHES_HZ = {300, 420, 560, 740, 950, 1210, 1450, 1700};
    static final int MOST_SPEAKERS = PITCHES_HZ.length;
    private static final Duration SETTLE = Duration.ofSeconds(4);
    private static final int WARM_UP_SECONDS = 12;
    private static final Duration ALL_HEARD_WITHIN = Duration.ofSeconds(30);
    private static final double MIN_SEPARATION_DB = 20;
    /** The meeting's server runs as a child of this JVM too; it is not the recorder's cost. */
    private static final String MEETING_SERVER = "prosody";
    private static final String NODE_JVM = "node JVM";
    private static final String OTHER = "other";
    private static final String LIVE = "live";
    private static final String UNTOUCHED = "untouched";
    private static final List<String> METER_THREADS = List.of("resource-meter", RendererThreads.THREAD_NAME);
    /** The renderer's thread pool, where a page's MediaRecorders encode (the loopback's WebRTC has threads of its own). */
    private static final String POOL = "ThreadPoolForeg";

    private final SlotConfig slotConfig;
    private final Path out;
    private final Path ffmpeg;
    private final int seconds;
    private final List<Integer> counts;

    record Report(Map<String, Object> results, List<String> lines) {
    }

    /**
     * One recording: what the recorder used over its steady window, by part (chromium, chromedriver, ffmpeg,
     * node JVM, other), and whether it came out right.
     */
    record Run(int speakers, boolean tracks, double windowSeconds, double recorderCores, Map<String, Double> cores,
               Map<String, Double> coresByProgram, Map<String, Double> rendererThreadCores, double meetingServerCores,
               double hostBusyCores, double stopToResultMillis, Map<String, Double> stopToResultMillisByStep,
               double compositeLostSeconds, double encoderFps, Tracks captured) {

        /** What the tracks came to; none without them (a record, not Optional, so that it goes to JSON as is). */
        Optional<Tracks> tracksCaptured() {
            return Optional.ofNullable(captured);
        }
    }

    /** What the tracks came to: files, their separation, their size, and the cost of finishing each. */
    record Tracks(int speakers, int files, double minSeparationDb, double oggKilobytesPerMinute,
                  double webmKilobytesPerMinute, List<TrackFinishCost> finishing) {
    }

    SpeakerTracksBench(SlotConfig slotConfig, Path out, Path ffmpeg, int seconds, List<Integer> counts) {
        this.slotConfig = slotConfig;
        this.out = out.resolve("recordings/speakers");
        this.ffmpeg = ffmpeg;
        this.seconds = seconds;
        this.counts = List.copyOf(counts);
    }

    Report run(PageServer pages) throws Exception {
        if (!ProsodyServer.isInstalled()) {
            // The meeting needs a real XMPP server; the other sections' results are not lost for want of it.
            String why = "Prosody is not installed (apt-get install prosody; ./capstan packages test lists it)";
            return new Report(Map.of("skipped", why), List.of("", "8. Per-speaker tracks: skipped, " + why));
        }
        List<Run> runs = new ArrayList<>();
        try (ProsodyServer prosody = ProsodyServer.start(out.resolve("prosody"));
                Slot slot = new Slot("speakers", slotConfig);
                ResourceMeter meter = ResourceMeter.start(
                        (pid, program) -> program.startsWith("lua") || program.startsWith("prosody")
                                ? MEETING_SERVER : program, List.of());
                RendererThreads renderer = RendererThreads.start()) {
            slot.warmUp();
            URI meeting = pages.fakeJitsiMeet(prosody.websocketUrl());
            // Unmeasured: the first recording with tracks also compiles their code in this JVM, once per node.
            int most = counts.stream().mapToInt(Integer::intValue).max().orElse(1);
            pages.loopbackSpeakers(speakers(most));
            PipelineBench.progress("speakers: warming up, %d speakers with tracks for %d s (not counted)", most,
                    WARM_UP_SECONDS);
            record(slot, meeting, most, true, meter, renderer, WARM_UP_SECONDS);
            for (int i = 0; i < counts.size(); i++) {
                int n = counts.get(i);
                pages.loopbackSpeakers(speakers(n));
                // Alternated, so that neither kind always runs on a machine warmer than the other.
                for (boolean tracks : i % 2 == 0 ? List.of(false, true) : List.of(true, false)) {
                    runs.add(record(slot, meeting, n, tracks, meter, renderer, seconds));
                }
            }
        }
        return report(runs);
    }

    private static List<LoopbackSpeaker> speakers(int n) {
        return IntStream.range(0, n).mapToObj(i -> LoopbackSpeaker.of("Speaker " + (i + 1), PITCHES_HZ[i],
                Duration.ofMillis(i * 1000L / n))).toList();
    }

    private Run record(Slot slot, URI meeting, int n, boolean tracks, ResourceMeter meter, RendererThreads renderer,
            int windowSeconds) throws Exception {
        String id = "speakers-" + n + (tracks ? "-tracks-" : "-mix-") + System.currentTimeMillis();
        Path directory = out.resolve(id);
        JitsiMeetPage page = new JitsiMeetPage(URI.create(meeting + "/" + id), Optional.of(new CallLogin(
                ProsodyServer.RECORDER_DOMAIN, ProsodyServer.RECORDER_USER, ProsodyServer.RECORDER_PASSWORD, false)),
                LoginDelivery.URL_HASH, Map.of(), Optional.empty(), "jibri", Duration.ofSeconds(15));
        RecordingRequest request = RecordingRequest.of(RecordingId.of(id), page, directory)
                .withMaxDuration(Duration.ofSeconds(windowSeconds * 4L + 60));
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Void> allHeard = new CompletableFuture<>();
        Recording recording = slot.record(tracks ? request.withSpeakerTracks() : request, event -> {
            if (event instanceof SlotEvent.FirstFrameWritten) {
                first.complete(null);
            } else if (event instanceof SlotEvent.TracksChanged changed && changed.status().speakers() >= n) {
                allHeard.complete(null);
            } else if (event instanceof SlotEvent.Failed failed) {
                first.completeExceptionally(new IllegalStateException(id + " failed: " + failed.failure()));
            }
        });
        first.get(90, TimeUnit.SECONDS);
        if (tracks) {
            allHeard.get(ALL_HEARD_WITHIN.toSeconds(), TimeUnit.SECONDS);
        }
        Thread.sleep(SETTLE.toMillis());
        ResourceMeter.Usage from = meter.usage();
        Map<String, Double> threadsFrom = renderer.cpuSeconds();
        double jvmFrom = jvmCpuSeconds();
        Thread.sleep(windowSeconds * 1000L);
        ResourceMeter.Usage window = meter.usage().since(from);
        Map<String, Double> threads = RendererThreads.cores(threadsFrom, renderer.cpuSeconds(), window.seconds());
        double jvm = jvmCpuSeconds() - jvmFrom;
        List<Path> taken = tracks ? linkParts(directory) : List.of();
        Optional<EndSampler> sampler = EndSampler.of("recording-" + id);
        long stopAt = System.nanoTime();
        SlotEvent.Outcome outcome = recording.stop().get(180, TimeUnit.SECONDS);
        double stopToResult = (System.nanoTime() - stopAt) / 1e6;
        sampler.ifPresent(EndSampler::close);
        Map<String, Double> end = sampler.map(EndSampler::millis).orElse(Map.of());
        if (!(outcome instanceof SlotEvent.Stopped stopped) || stopped.file().isEmpty()) {
            throw new IllegalStateException(id + " did not finish with a file: " + outcome);
        }
        double lost;
        try (FFmpegFrameGrabber probe = new FFmpegFrameGrabber(stopped.file().get().toFile())) {
            probe.start();
            lost = Math.max(0, stopped.span().length().toNanos() / 1e9 - probe.getLengthInTime() / 1e6);
            probe.stop();
        }
        Map<String, Double> cores = new TreeMap<>();
        double meetingServer = 0;
        for (Map.Entry<String, Double> used : window.coresByProgram().entrySet()) {
            String program = used.getKey();
            if (program.equals(MEETING_SERVER)) {
                meetingServer = used.getValue();
            } else {
                cores.merge(List.of("chromium", "chromedriver", "ffmpeg").contains(program) ? program : OTHER,
                        used.getValue(), Double::sum);
            }
        }
        cores.put(NODE_JVM, jvm / window.seconds());
        double recorder = cores.values().stream().mapToDouble(Double::doubleValue).sum();
        Run run = new Run(n, tracks, window.seconds(), recorder, PipelineBench.rounded(cores, 4),
                PipelineBench.rounded(window.coresByProgram(), 4), PipelineBench.rounded(threads, 4), meetingServer,
                window.hostBusyCores(), stopToResult, end, lost > PressureBench.LOSS_TOLERANCE_SECONDS ? lost : 0,
                stopped.last().averageFps(), tracks ? tracks(directory, n, taken) : null);
        PipelineBench.progress("speakers %d, tracks %s: recorder %.3f cores %s, prosody %.3f, host %.2f busy, "
                        + "stop to result %.0f ms %s, lost %.1f s%s", n, tracks ? "on" : "off", recorder, run.cores(),
                meetingServer, run.hostBusyCores(), stopToResult, end, run.compositeLostSeconds(),
                run.tracksCaptured().map(t -> String.format(Locale.ROOT, ", %d files, separation >= %.0f dB, %.0f kB/min",
                        t.files(), t.minSeparationDb(), t.oggKilobytesPerMinute())).orElse(""));
        return run;
    }

    /** This JVM's CPU time, less the meters' polling threads, which are the bench's and not the node's. */
    private static double jvmCpuSeconds() throws IOException {
        double process = ProcFs.stat(ProcessHandle.current().pid()).cpuTicks() / ProcFs.TICKS_PER_SECOND;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double meter = 0;
        for (ThreadInfo thread : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (thread != null && METER_THREADS.contains(thread.getThreadName())) {
                meter += Math.max(0, threads.getThreadCpuTime(thread.getThreadId())) / 1e9;
            }
        }
        return process - meter;
    }

    /** Hard links to the parts being written: they keep the whole WebM after the recorder replaces it by Ogg. */
    private static List<Path> linkParts(Path directory) throws IOException {
        Path links = Files.createDirectories(directory.resolve("taken"));
        List<Path> linked = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory.resolve(SpeakerTracks.DIRECTORY))) {
            for (Path webm : files.filter(file -> file.toString().endsWith(".webm")).sorted().toList()) {
                linked.add(Files.createLink(links.resolve(webm.getFileName()), webm));
            }
        }
        return linked;
    }

    private Tracks tracks(Path directory, int n, List<Path> taken) throws Exception {
        SpeakerTracks manifest = SpeakerTracks.readFrom(directory)
                .orElseThrow(() -> new IllegalStateException(directory + " has no " + SpeakerTracks.MANIFEST));
        double separation = Double.MAX_VALUE;
        long oggBytes = 0;
        long millis = 0;
        for (SpeakerTracks.Speaker speaker : manifest.speakers()) {
            int index = Integer.parseInt(speaker.displayName().replaceAll("\\D+", "")) - 1;
            for (SpeakerTracks.Part part : speaker.parts()) {
                MediaReport file = MediaReport.of(directory.resolve(part.file()));
                double own = file.toneLevelDb(PITCHES_HZ[index]);
                double loudestOther = IntStream.range(0, n).filter(i -> i != index)
                        .mapToDouble(i -> file.toneLevelDb(PITCHES_HZ[i])).max().orElse(0);
                separation = Math.min(separation, own - loudestOther);
                oggBytes += part.bytes();
                millis += part.durationMs();
            }
        }
        List<TrackFinishCost> finishing = new ArrayList<>();
        long webmBytes = 0;
        for (Path webm : taken) {
            TrackFinishCost cost = TrackFinishCost.of(ffmpeg, webm,
                    webm.resolveSibling(webm.getFileName().toString().replace(".webm", ".ogg")));
            finishing.add(cost);
            webmBytes += cost.webmBytes();
        }
        double minutes = millis / 60_000.0;
        return new Tracks(manifest.speakers().size(), manifest.files().size(),
                separation == Double.MAX_VALUE ? Double.NaN : separation, oggBytes / 1024.0 / minutes,
                webmBytes / 1024.0 / minutes, finishing);
    }

    private Report report(List<Run> runs) {
        List<String> lines = new ArrayList<>();
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("seconds", seconds);
        results.put("speakerCounts", counts);
        results.put("runs", runs);
        lines.add("");
        lines.add(String.format(Locale.ROOT, "8. Per-speaker tracks: cost per participant (fake jitsi-meet on Prosody, N"
                + " loopback speakers, one warm slot, %d-s windows, tracks off and on)", seconds));
        lines.add(String.format(Locale.ROOT, "   ./capstan bench --sections=speakers --speakers=%s --speakers-seconds=%d",
                counts.stream().map(String::valueOf).collect(Collectors.joining(",")), seconds));
        lines.add(String.format(Locale.ROOT, "   %2s %-6s %8s %8s %8s %8s %9s %8s %7s %6s %5s %6s %5s  %s", "N",
                "tracks", "recorder", "chromium", "of which", "of which", "chromedrv", "node JVM", "ffmpeg", "other",
                "host", "lost s", "files", "separation"));
        lines.add(String.format(Locale.ROOT, "   %2s %-6s %8s %8s %8s %8s", "", "", "", "", "pool", "main"));
        for (Run run : runs) {
            lines.add(String.format(Locale.ROOT, "   %2d %-6s %8.3f %8.3f %8.3f %8.3f %9.3f %8.3f %7.3f %6.3f %5.2f %6.1f %5s  %s",
                    run.speakers(), run.tracks() ? "on" : "off", run.recorderCores(), part(run, "chromium"),
                    thread(run, POOL), thread(run, RendererThreads.MAIN), part(run, "chromedriver"),
                    part(run, NODE_JVM), part(run, "ffmpeg"), part(run, OTHER), run.hostBusyCores(),
                    run.compositeLostSeconds(), run.tracksCaptured().map(t -> t.files() + "/" + run.speakers()).orElse("-"),
                    run.tracksCaptured().map(t -> String.format(Locale.ROOT, ">= %.0f dB", t.minSeparationDb())).orElse("")));
        }
        lines.add("   (cores; pool: the page's renderer thread pool, where MediaRecorders encode; main: its main thread,"
                + " which runs the page's scripts)");

        // The live part: with tracks less without, per participant, for each N and as the slope over N. The composite's
        // encoder, Xvfb and PulseAudio do nothing for the tracks: their difference shows the noise.
        Map<Integer, Map<String, Double>> extraPerParticipant = new TreeMap<>();
        List<double[]> points = new ArrayList<>();
        for (int n : counts) {
            Map<String, Double> on = liveParts(find(runs, n, true));
            Map<String, Double> off = liveParts(find(runs, n, false));
            Map<String, Double> extra = new LinkedHashMap<>();
            on.forEach((name, cores) -> extra.put(name, (cores - off.get(name)) / n));
            extraPerParticipant.put(n, PipelineBench.rounded(extra, 4));
            points.add(new double[] {n, (on.get(LIVE) - off.get(LIVE))});
        }
        double slope = slope(points);
        Map<String, Object> live = new LinkedHashMap<>();
        live.put("extraCoresPerParticipantByN", extraPerParticipant);
        live.put("extraCoresPerParticipantSlope", slope);
        results.put("live", live);
        lines.add("   live, tracks on less off, cores per participant (Chromium + chromedriver + node JVM):");
        extraPerParticipant.forEach((n, extra) -> lines.add(String.format(Locale.ROOT,
                "     N=%d: %+.4f = MediaRecorder %+.4f, page scripts %+.4f, rest of Chromium %+.4f, chromedriver %+.4f,"
                        + " node JVM %+.4f   (untouched encoder+X+sound: %+.4f)", n, extra.get(LIVE),
                extra.get("mediaRecorder"), extra.get("pageScripts"), extra.get("restOfChromium"),
                extra.get("chromedriver"), extra.get(NODE_JVM), extra.get(UNTOUCHED))));
        lines.add(String.format(Locale.ROOT, "     slope over N (least squares of the extra cores): %+.4f cores per "
                + "participant", slope));
        double recorders = mean(extraPerParticipant, "mediaRecorder");
        double handover = mean(extraPerParticipant, "pageScripts") + mean(extraPerParticipant, "chromedriver")
                + mean(extraPerParticipant, NODE_JVM);
        live.put("meanMediaRecorderCoresPerParticipant", recorders);
        live.put("meanHandoverCoresPerParticipant", handover);
        live.put("meanCoresPerParticipant", mean(extraPerParticipant, LIVE));
        lines.add(String.format(Locale.ROOT, "     mean over N: %+.4f cores per participant, of which the MediaRecorder"
                        + " %+.4f and handing over the chunks (scripts, chromedriver, node JVM) %+.4f; the rest of"
                        + " Chromium %+.4f is of the order of the untouched parts' %+.4f", mean(extraPerParticipant, LIVE),
                recorders, handover, mean(extraPerParticipant, "restOfChromium"), mean(extraPerParticipant, UNTOUCHED)));

        // The end part and the sizes, over every part of every run with tracks.
        List<TrackFinishCost> finishing = runs.stream().flatMap(run -> run.tracksCaptured().stream())
                .flatMap(t -> t.finishing().stream()).toList();
        double trackMinutes = finishing.stream().mapToLong(TrackFinishCost::durationMs).sum() / 60_000.0;
        Map<String, Object> end = new LinkedHashMap<>();
        end.put("parts", finishing.size());
        end.put("trackMinutes", trackMinutes);
        end.put("remuxCpuMillisPerTrackMinute", sum(finishing, TrackFinishCost::remuxCpuMillis) / trackMinutes);
        end.put("remuxMillisPerTrackMinute", sum(finishing, TrackFinishCost::remuxMillis) / trackMinutes);
        end.put("remuxMillisPerPart", sum(finishing, TrackFinishCost::remuxMillis) / finishing.size());
        end.put("analysisCpuMillisPerTrackMinute", sum(finishing, TrackFinishCost::measureCpuMillis) / trackMinutes);
        end.put("analysisMillisPerTrackMinute", sum(finishing, TrackFinishCost::measureMillis) / trackMinutes);
        Map<Integer, Double> later = new TreeMap<>();
        counts.forEach(n -> later.put(n, find(runs, n, true).stopToResultMillis() - find(runs, n, false).stopToResultMillis()));
        end.put("stopToResultLaterMillisByN", later);
        results.put("end", end);
        lines.add(String.format(Locale.ROOT, "   end, per minute of track (%d parts, %.1f track-minutes): rewrite as Ogg "
                        + "%.0f ms CPU (%.0f ms wall; %.0f ms per part, mostly FFmpeg's start), analysis %.0f ms CPU "
                        + "(%.0f ms wall)", finishing.size(), trackMinutes,
                (double) end.get("remuxCpuMillisPerTrackMinute"), (double) end.get("remuxMillisPerTrackMinute"),
                (double) end.get("remuxMillisPerPart"), (double) end.get("analysisCpuMillisPerTrackMinute"),
                (double) end.get("analysisMillisPerTrackMinute")));
        lines.add("     the recording's result came later with tracks, by N: " + later.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%d: %+.0f ms", e.getKey(), e.getValue())).toList());
        lines.add("     stop to result by step (ms, sampled), tracks off | on:");
        counts.forEach(n -> lines.add(String.format(Locale.ROOT, "       N=%d: %s | %s", n,
                find(runs, n, false).stopToResultMillisByStep(), find(runs, n, true).stopToResultMillisByStep())));

        List<Tracks> captured = runs.stream().flatMap(run -> run.tracksCaptured().stream()).toList();
        double ogg = captured.stream().mapToDouble(Tracks::oggKilobytesPerMinute).average().orElse(Double.NaN);
        double webm = captured.stream().mapToDouble(Tracks::webmKilobytesPerMinute).average().orElse(Double.NaN);
        results.put("oggKilobytesPerTrackMinute", ogg);
        results.put("webmKilobytesPerTrackMinute", webm);
        lines.add(String.format(Locale.ROOT, "   size per track: %.0f kB per minute as Ogg (%.1f kb/s); taken from the "
                + "page as WebM %.0f kB/min, %.0f kB/min as base64 over WebDriver", ogg, ogg * 8 * 1.024 / 60, webm,
                webm * 4 / 3));
        boolean right = runs.stream().allMatch(run -> run.compositeLostSeconds() == 0) && captured.stream().allMatch(
                t -> t.files() == t.speakers() && t.minSeparationDb() > MIN_SEPARATION_DB)
                && runs.stream().allMatch(run -> !run.tracks() || run.captured().speakers() == run.speakers());
        results.put("allRight", right);
        lines.add("   checks (no lost second in any composite; one file per speaker, its own tone > "
                + (int) MIN_SEPARATION_DB + " dB above the others'): " + (right ? "all pass" : "FAILED"));
        return new Report(results, lines);
    }

    /** What a run's Chromium, chromedriver and node JVM used, by what the tracks add to, and the untouched rest. */
    private static Map<String, Double> liveParts(Run run) {
        Map<String, Double> parts = new LinkedHashMap<>();
        double pool = thread(run, POOL);
        double main = thread(run, RendererThreads.MAIN);
        parts.put(LIVE, part(run, "chromium") + part(run, "chromedriver") + part(run, NODE_JVM));
        parts.put("mediaRecorder", pool);
        parts.put("pageScripts", main);
        parts.put("restOfChromium", part(run, "chromium") - pool - main);
        parts.put("chromedriver", part(run, "chromedriver"));
        parts.put(NODE_JVM, part(run, NODE_JVM));
        parts.put(UNTOUCHED, part(run, "ffmpeg") + part(run, OTHER));
        return parts;
    }

    private static double mean(Map<Integer, Map<String, Double>> byN, String part) {
        return byN.values().stream().mapToDouble(parts -> parts.get(part)).average().orElse(Double.NaN);
    }

    private static double thread(Run run, String group) {
        return run.rendererThreadCores().getOrDefault(group, 0.0);
    }

    private static double part(Run run, String name) {
        return run.cores().getOrDefault(name, 0.0);
    }

    private static Run find(List<Run> runs, int n, boolean tracks) {
        return runs.stream().filter(run -> run.speakers() == n && run.tracks() == tracks).findFirst().orElseThrow();
    }

    private static double sum(List<TrackFinishCost> costs, ToDoubleFunction<TrackFinishCost> of) {
        return costs.stream().mapToDouble(of).sum();
    }

    /** Least-squares slope of y over x; NaN with fewer than two distinct x. */
    static double slope(List<double[]> points) {
        double meanX = points.stream().mapToDouble(p -> p[0]).average().orElse(Double.NaN);
        double meanY = points.stream().mapToDouble(p -> p[1]).average().orElse(Double.NaN);
        double covariance = points.stream().mapToDouble(p -> (p[0] - meanX) * (p[1] - meanY)).sum();
        double variance = points.stream().mapToDouble(p -> (p[0] - meanX) * (p[0] - meanX)).sum();
        return variance > 0 ? covariance / variance : Double.NaN;
    }
}
