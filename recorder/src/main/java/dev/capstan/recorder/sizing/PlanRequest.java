package dev.capstan.recorder.sizing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What {@code ./capstan plan} is asked: how many meetings are recorded at once, at what picture, and on which machines.
 *
 * @param participants people per meeting, when given (see {@link CapacityPlanner} for what they change)
 * @param results      results.json files of {@code ./capstan bench}; the first that measured the resolution is used
 */
public record PlanRequest(int meetings, Resolution resolution, OptionalInt participants, boolean audioOnly,
                          List<InstanceType> instances, List<Path> results, boolean json) {

    /** More than this is a typo, or a fleet this tool should not be the only judge of. */
    static final int MOST_MEETINGS = 100_000;
    /** jitsi-meet's own ceiling on a conference is well under this. */
    static final int MOST_PARTICIPANTS = 10_000;
    static final List<InstanceType> DEFAULT_INSTANCES = List.of(InstanceType.C5N_2XLARGE, InstanceType.C5N_18XLARGE);
    /** Where {@code ./capstan bench} writes, and where {@code --resolution=1080p --out=target/bench-1080p} would. */
    static final List<Path> DEFAULT_RESULTS = List.of(Path.of("target/bench/results.json"),
            Path.of("target/bench-1080p/results.json"));

    static final String USAGE = """
            usage: ./capstan plan --meetings N --resolution 720p|1080p [--participants P] [--audio-only]
                                  [--instance name=vcpus:memGiB:pricePerHour ...] [--instances FILE]
                                  [--results path/to/results.json ...]
                                  [--json]
              --meetings N        meetings recorded at the same time (1..100000)
              --resolution R      720p or 1080p (not needed with --audio-only)
              --participants P    people per meeting (1..10000); see the assumptions in the output
              --audio-only        audio-only recordings
              --instance SPEC     a machine type, repeatable (default: c5n.2xlarge=8:21:0.505 c5n.18xlarge=72:192:4.545,
                                  us-east-1 on-demand prices in USD per hour)
              --instances FILE    machine types from a file, one SPEC a line (# comments), with any --instance
              --results PATH      a ./capstan bench results.json, repeatable (default: target/bench/results.json, then
                                  target/bench-1080p/results.json); the first that measured the resolution is used
              --json              print the plan as JSON
            """;

    public PlanRequest {
        instances = List.copyOf(instances);
        results = List.copyOf(results);
    }

    /** @throws PlanArgumentException naming the argument; {@code --help} gives one with the argument "--help" */
    public static PlanRequest parse(String... args) {
        Map<String, List<String>> given = new LinkedHashMap<>();
        boolean audioOnly = false;
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                throw new PlanArgumentException("--help", "");
            }
            if (arg.equals("--audio-only")) {
                audioOnly = true;
                continue;
            }
            if (arg.equals("--json")) {
                json = true;
                continue;
            }
            if (!arg.startsWith("--")) {
                throw new PlanArgumentException(arg, "is not an option (they start with --)");
            }
            int eq = arg.indexOf('=');
            String name = eq > 0 ? arg.substring(0, eq) : arg;
            if (!List.of("--meetings", "--resolution", "--participants", "--instance", "--instances", "--results")
                    .contains(name)) {
                throw new PlanArgumentException(name, "is not an option of ./capstan plan");
            }
            String value;
            if (eq > 0) {
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                throw new PlanArgumentException(name, "needs a value");
            }
            List<String> values = given.computeIfAbsent(name, key -> new ArrayList<>());
            if (!values.isEmpty() && !List.of("--instance", "--instances", "--results").contains(name)) {
                throw new PlanArgumentException(name, "is given twice");
            }
            values.add(value);
        }
        String meetings = single(given, "--meetings");
        if (meetings == null) {
            throw new PlanArgumentException("--meetings", "is required: how many meetings are recorded at the same time");
        }
        String resolution = single(given, "--resolution");
        if (resolution == null && !audioOnly) {
            throw new PlanArgumentException("--resolution", "is required (720p or 1080p) unless --audio-only");
        }
        String participants = single(given, "--participants");
        List<InstanceType> instances = new ArrayList<>();
        for (String file : given.getOrDefault("--instances", List.of())) {
            instances.addAll(fromFile(Path.of(file)));
        }
        given.getOrDefault("--instance", List.of()).stream().map(InstanceType::parse).forEach(instances::add);
        if (instances.isEmpty()) {
            instances = DEFAULT_INSTANCES;
        }
        if (instances.stream().map(InstanceType::name).distinct().count() < instances.size()) {
            throw new PlanArgumentException("--instance", "names a machine type twice");
        }
        List<Path> results = given.containsKey("--results")
                ? given.get("--results").stream().map(Path::of).toList() : DEFAULT_RESULTS;
        return new PlanRequest(count("--meetings", meetings, MOST_MEETINGS),
                resolution == null ? Resolution.HD_720P : Resolution.named(resolution),
                participants == null ? OptionalInt.empty() : OptionalInt.of(count("--participants", participants,
                        MOST_PARTICIPANTS)),
                audioOnly, instances, results, json);
    }

    /** One {@code name=vcpus:memGiB:pricePerHour} a line; blank lines and {@code #} comments are skipped. */
    private static List<InstanceType> fromFile(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new PlanArgumentException("--instances", file + " cannot be read: " + e.getMessage());
        }
        List<InstanceType> instances = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String spec = lines.get(i).replaceFirst("#.*", "").trim();
            if (spec.isEmpty()) {
                continue;
            }
            try {
                instances.add(InstanceType.parse(spec));
            } catch (PlanArgumentException e) {
                throw new PlanArgumentException("--instances", file + ":" + (i + 1) + ": " + e.getMessage()
                        .substring(e.argument().length() + 1));
            }
        }
        if (instances.isEmpty()) {
            throw new PlanArgumentException("--instances", file + " lists no instance type");
        }
        return instances;
    }

    private static String single(Map<String, List<String>> given, String name) {
        List<String> values = given.get(name);
        return values == null ? null : values.get(0);
    }

    private static int count(String name, String value, int most) {
        if (!value.trim().matches("-?\\d{1,12}")) {
            throw new PlanArgumentException(name, "takes a whole number from 1 to " + most + ", got '" + value + "'");
        }
        long number = Long.parseLong(value.trim());
        if (number < 1) {
            throw new PlanArgumentException(name, "must be at least 1, got " + number);
        }
        if (number > most) {
            throw new PlanArgumentException(name, "must be at most " + most + ", got " + number);
        }
        return (int) number;
    }
}
