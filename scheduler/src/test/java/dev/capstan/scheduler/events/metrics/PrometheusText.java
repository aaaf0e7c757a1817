package dev.capstan.scheduler.events.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One scrape of {@code /actuator/prometheus}, parsed the way Prometheus reads the text format: every sample line is
 * a name, its labels and a value; comments ({@code # HELP}, {@code # TYPE}, {@code # EOF}) are skipped.
 */
public record PrometheusText(List<Sample> samples) {

    public record Sample(String name, Map<String, String> labels, double value) {
    }

    public static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                samples.add(sample(line.strip()));
            }
        }
        return new PrometheusText(List.copyOf(samples));
    }

    private static Sample sample(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int equals = line.indexOf('=', i);
                String key = line.substring(i, equals).strip();
                if (line.charAt(equals + 1) != '"') {
                    throw new IllegalArgumentException("label value not quoted: " + line);
                }
                StringBuilder value = new StringBuilder();
                int j = equals + 2;
                for (; line.charAt(j) != '"'; j++) {
                    char c = line.charAt(j);
                    if (c == '\\') {
                        char escaped = line.charAt(++j);
                        value.append(escaped == 'n' ? '\n' : escaped);
                    } else {
                        value.append(c);
                    }
                }
                labels.put(key, value.toString());
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                }
            }
            i++;
        }
        String[] rest = line.substring(i).strip().split("\\s+");
        return new Sample(name, Map.copyOf(labels), parseValue(rest[0]));
    }

    private static double parseValue(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }

    /** Every sample of {@code name} whose labels include {@code labels} (given as key, value, key, value…). */
    public List<Sample> all(String name, String... labels) {
        return samples.stream().filter(s -> s.name().equals(name) && has(s, labels)).toList();
    }

    /** The one sample of {@code name} with these labels, if present. */
    public OptionalDouble value(String name, String... labels) {
        List<Sample> matching = all(name, labels);
        if (matching.size() > 1) {
            throw new AssertionError(matching.size() + " samples of " + name + " match " + List.of(labels));
        }
        return matching.isEmpty() ? OptionalDouble.empty() : OptionalDouble.of(matching.get(0).value());
    }

    /** The one sample of {@code name} with these labels; fails the test when it is missing. */
    public double require(String name, String... labels) {
        OptionalDouble value = value(name, labels);
        if (value.isEmpty()) {
            throw new AssertionError("no sample " + name + " " + List.of(labels) + " in the scrape; seen: "
                    + samples.stream().map(Sample::name).filter(n -> n.startsWith("capstan")).distinct().toList());
        }
        return value.getAsDouble();
    }

    /** The bucket bounds ({@code le}) of a histogram, as written. */
    public List<String> bucketBounds(String histogram, String... labels) {
        return all(histogram + "_bucket", labels).stream().map(s -> s.labels().get("le")).toList();
    }

    Optional<Sample> first(String name) {
        return samples.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    private static boolean has(Sample sample, String... labels) {
        for (int k = 0; k + 1 < labels.length; k += 2) {
            if (!labels[k + 1].equals(sample.labels().get(labels[k]))) {
                return false;
            }
        }
        return true;
    }
}
