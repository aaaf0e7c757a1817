package dev.capstan.recorder.bench;

import dev.capstan.recorder.capture.VideoProfile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What {@code ./capstan bench} runs and for how long. Every option is {@code --name=value} (or {@code --name value}).
 *
 * @param sections          which parts to run: latency, cost, capacity, floor (the default), live and audio
 * @param warmRuns          warm starts on one slot (the median is reported)
 * @param coldRuns          Jibri-style cold starts
 * @param startSeconds      how long each start-latency recording runs
 * @param costSeconds       length of the cost-per-minute recordings
 * @param capacitySeconds   length of each concurrent recording in the capacity steps
 * @param maxConcurrent     the largest number of concurrent recordings tried
 * @param floorSeconds      length of the encoder-only runs
 * @param jibriFragmentSize give the Jibri-style pulse input {@code -fragment_size 4096} (see {@link JibriStylePipeline})
 * @param pipelines         which pipelines the latency and cost sections run: capstan, jibri (both to compare)
 * @param liveSeconds       length of each measured window of the live section
 * @param liveRounds        how often the live section runs its scenarios, in alternating order
 * @param liveDestinations  the live scenarios besides recording alone: how many RTMP destinations each streams to
 * @param pressureSeconds   length of each step's recordings in the pressure section
 * @param speakersSeconds   speakers section: measured window of each recording
 * @param speakerCounts     speakers section: how many loopback speakers the meetings have
 * @param profile           what Capstan's slots record (720p30 unless asked); the Jibri-style pipeline stays at 720p.
 *                          Written to results.json, where {@code ./capstan plan} looks for the resolution it sizes
 */
record BenchOptions(
        Set<String> sections,
        int warmRuns,
        int coldRuns,
        int startSeconds,
        int costSeconds,
        int capacitySeconds,
        int maxConcurrent,
        int floorSeconds,
        boolean jibriFragmentSize,
        Set<String> pipelines,
        int liveSeconds,
        int liveRounds,
        List<Integer> liveDestinations,
        int pressureSeconds,
        int speakersSeconds,
        List<Integer> speakerCounts,
        VideoProfile profile,
        Path out) {

    /** What {@code ./capstan bench} runs without options; the live section only runs when asked for. */
    static final List<String> DEFAULT_SECTIONS = List.of("floor", "latency", "cost", "capacity", "pressure");
    static final List<String> ALL_SECTIONS = List.of("floor", "latency", "cost", "capacity", "pressure", "live",
            "audio", "speakers");

    static final String USAGE = """
            usage: ./capstan bench [--name=value ...]
              --sections=floor,latency,cost,capacity,pressure   parts to run (default: these; live, audio and
                                     speakers run only when named; audio: audio-only cost and concurrency, 20-s
                                     steps; speakers: the cost of per-speaker tracks per participant)
              --warm-runs=5          warm starts on one slot (median reported)
              --cold-runs=5          Jibri-style cold starts (median reported)
              --start-seconds=4      length of each start-latency recording
              --cost-seconds=30      length of the cost-per-minute recordings (ours, then Jibri-style)
              --capacity-seconds=25  length of the concurrent recordings
              --max-concurrent=3     most concurrent recordings tried (stops after the first step that fails)
              --floor-seconds=20     length of the encoder-only runs
              --jibri-fragment-size=true  -fragment_size 4096 on the Jibri-style pulse input
              --pipelines=capstan,jibri    which pipelines the latency and cost sections run
              --live-seconds=30      live section: measured window of each recording
              --live-rounds=2        live section: rounds of its scenarios, the order reversed every other round
              --live-destinations=1,2  live section: RTMP destinations per scenario, besides recording alone
              --pressure-seconds=30  pressure section: length of each step's recordings (1x, 1.5x, 2x capacity, hogs)
              --speakers-seconds=30  speakers section: measured window of each recording (tracks off and on)
              --speakers=2,4,6       speakers section: loopback speakers in the meeting, one pair of recordings each
              --resolution=720p      what Capstan's slots record: 720p or 1080p (Jibri-style stays at 720p)
              --out=target/bench     where results.json and the recordings go
            """;

    static BenchOptions defaults() {
        return new BenchOptions(new LinkedHashSet<>(DEFAULT_SECTIONS), 5, 5, 4, 30, 25, 3, 20, true,
                new LinkedHashSet<>(List.of("capstan", "jibri")), 30, 2, List.of(1, 2), 30, 30, List.of(2, 4, 6),
                VideoProfile.HD_720P30, Path.of("target/bench"));
    }

    static BenchOptions parse(String[] args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                throw new IllegalArgumentException("");
            }
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            int eq = arg.indexOf('=');
            if (eq > 0) {
                given.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else if (i + 1 < args.length) {
                given.put(arg.substring(2), args[++i]);
            } else {
                throw new IllegalArgumentException(arg + " needs a value");
            }
        }
        BenchOptions d = defaults();
        Set<String> sections = given.containsKey("sections")
                ? new LinkedHashSet<>(List.of(given.remove("sections").split(","))) : d.sections();
        for (String section : sections) {
            if (!ALL_SECTIONS.contains(section)) {
                throw new IllegalArgumentException("unknown section '" + section + "'; use " + String.join(",", ALL_SECTIONS));
            }
        }
        BenchOptions options = new BenchOptions(sections,
                number(given, "warm-runs", d.warmRuns()),
                number(given, "cold-runs", d.coldRuns()),
                number(given, "start-seconds", d.startSeconds()),
                number(given, "cost-seconds", d.costSeconds()),
                number(given, "capacity-seconds", d.capacitySeconds()),
                number(given, "max-concurrent", d.maxConcurrent()),
                number(given, "floor-seconds", d.floorSeconds()),
                Boolean.parseBoolean(given.getOrDefault("jibri-fragment-size", Boolean.toString(d.jibriFragmentSize()))),
                given.containsKey("pipelines") ? new LinkedHashSet<>(List.of(given.get("pipelines").split(","))) : d.pipelines(),
                number(given, "live-seconds", d.liveSeconds()),
                number(given, "live-rounds", d.liveRounds()),
                numbers(given, "live-destinations", d.liveDestinations()),
                number(given, "pressure-seconds", d.pressureSeconds()),
                number(given, "speakers-seconds", d.speakersSeconds()),
                numbers(given, "speakers", d.speakerCounts()),
                profile(given, d.profile()),
                Path.of(given.getOrDefault("out", d.out().toString())));
        if (options.speakerCounts().stream().anyMatch(n -> n > SpeakerTracksBench.MOST_SPEAKERS)) {
            throw new IllegalArgumentException("--speakers takes at most " + SpeakerTracksBench.MOST_SPEAKERS
                    + " speakers per meeting");
        }
        given.remove("jibri-fragment-size");
        given.remove("pipelines");
        given.remove("out");
        if (!given.isEmpty()) {
            throw new IllegalArgumentException("unknown option --" + given.keySet().iterator().next());
        }
        return options;
    }

    private static int number(Map<String, String> given, String name, int fallback) {
        String value = given.remove(name);
        if (value == null) {
            return fallback;
        }
        try {
            int parsed = Integer.parseInt(value);
            if (parsed < 1) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " takes a whole number above 0, got '" + value + "'");
        }
    }

    private static VideoProfile profile(Map<String, String> given, VideoProfile fallback) {
        String value = given.remove("resolution");
        if (value == null) {
            return fallback;
        }
        return switch (value) {
            case "720p" -> VideoProfile.HD_720P30;
            case "1080p" -> VideoProfile.FULL_HD_1080P30;
            default -> throw new IllegalArgumentException("--resolution takes 720p or 1080p, got '" + value + "'");
        };
    }

    private static List<Integer> numbers(Map<String, String> given, String name, List<Integer> fallback) {
        String value = given.remove(name);
        if (value == null) {
            return fallback;
        }
        try {
            List<Integer> parsed = Stream.of(value.split(",")).map(String::trim).map(Integer::parseInt).distinct().toList();
            if (parsed.stream().anyMatch(number -> number < 1)) {
                throw new NumberFormatException();
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " takes whole numbers above 0 separated by commas, got '"
                    + value + "'");
        }
    }

    boolean runs(String section) {
        return sections.contains(section);
    }

    boolean compares(String pipeline) {
        return pipelines.contains(pipeline);
    }
}
