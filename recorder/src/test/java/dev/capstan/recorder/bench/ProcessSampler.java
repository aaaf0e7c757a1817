package dev.capstan.recorder.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads CPU time and proportional memory (PSS) of this JVM's descendant processes from /proc, grouped by
 * program (Xvfb, pulseaudio, chromium, chromedriver, ffmpeg).
 */
final class ProcessSampler {

    private static final double TICKS_PER_SECOND = 100.0;

    /** CPU seconds and PSS (MB) per program at one moment. */
    record Sample(long nanoTime, Map<String, Double> cpuSeconds, Map<String, Double> pssMegabytes) {
    }

    static Sample sample() {
        Map<String, Double> cpu = new TreeMap<>();
        Map<String, Double> pss = new TreeMap<>();
        List<ProcessHandle> processes = ProcessHandle.current().descendants().toList();
        for (ProcessHandle process : processes) {
            Path proc = Path.of("/proc", Long.toString(process.pid()));
            try {
                String program = Files.readString(proc.resolve("comm")).trim();
                program = program.startsWith("chrom") && !program.equals("chromedriver") ? "chromium" : program;
                String stat = Files.readString(proc.resolve("stat"));
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                double seconds = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
                cpu.merge(program, seconds, Double::sum);
                pss.merge(program, pssKilobytes(proc) / 1024.0, Double::sum);
            } catch (IOException | RuntimeException e) {
                // The process ended between listing and reading: it no longer counts.
            }
        }
        return new Sample(System.nanoTime(), cpu, pss);
    }

    private static long pssKilobytes(Path proc) throws IOException {
        for (String line : Files.readAllLines(proc.resolve("smaps_rollup"))) {
            if (line.startsWith("Pss:")) {
                return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        }
        return 0;
    }

    /** Mean cores used per program between two samples. */
    static Map<String, Double> cores(Sample from, Sample to) {
        double seconds = (to.nanoTime() - from.nanoTime()) / 1e9;
        Map<String, Double> cores = new TreeMap<>();
        to.cpuSeconds().forEach((program, total) ->
                cores.put(program, (total - from.cpuSeconds().getOrDefault(program, 0.0)) / seconds));
        return cores;
    }

    static Map<String, Double> peak(Map<String, Double> peak, Map<String, Double> sample) {
        Map<String, Double> merged = new HashMap<>(peak);
        sample.forEach((program, value) -> merged.merge(program, value, Math::max));
        return new TreeMap<>(merged);
    }

    private ProcessSampler() {
    }
}
