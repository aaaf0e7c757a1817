package dev.capstan.recorder.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/** Readings from Linux's /proc: host CPU time, memory, and the CPU time of given processes. */
public final class ProcFs {

    /** USER_HZ: the unit of CPU times in /proc; 100 on every mainstream Linux build. */
    public static final double TICKS_PER_SECOND = 100;

    private ProcFs() {
    }

    /** CPU time the whole host has spent busy (everything but idle and I/O wait), in seconds. */
    public static double hostBusySeconds() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).get(0);
            String[] fields = line.trim().split("\\s+");
            long busy = 0;
            for (int i = 1; i < Math.min(fields.length, 9); i++) {
                if (i != 4 && i != 5) { // idle, iowait
                    busy += Long.parseLong(fields[i]);
                }
            }
            return busy / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Seconds since boot; 0 if unknown. */
    static double uptimeSeconds() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** MemAvailable and MemTotal, in bytes. */
    record Memory(long available, long total) {
    }

    static Memory memory() {
        long available = 0;
        long total = 0;
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/meminfo"));
            for (String line : lines) {
                if (line.startsWith("MemAvailable:")) {
                    available = kilobytes(line) << 10;
                } else if (line.startsWith("MemTotal:")) {
                    total = kilobytes(line) << 10;
                }
            }
        } catch (IOException | RuntimeException e) {
            // Unknown memory counts as none free, which only makes admission more careful.
        }
        return new Memory(available, total);
    }

    private static long kilobytes(String line) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }

    /**
     * What /proc/&lt;pid&gt;/stat tells of a process.
     *
     * @param command    its command name (at most 15 characters; may hold spaces)
     * @param cpuTicks   user plus system CPU time, in {@linkplain #TICKS_PER_SECOND ticks}
     * @param startTicks when it started, in ticks since boot
     */
    public record ProcessStat(String command, long cpuTicks, long startTicks) {
    }

    /** Reads a process's stat line; fails if the process is gone. */
    public static ProcessStat stat(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        int commandEnd = stat.lastIndexOf(')');
        // The command name (field 2) may hold spaces; the fields after it are fixed.
        String[] fields = stat.substring(commandEnd + 2).split(" ");
        return new ProcessStat(stat.substring(stat.indexOf('(') + 1, commandEnd),
                Long.parseLong(fields[11]) + Long.parseLong(fields[12]), // utime, stime
                Long.parseLong(fields[19])); // starttime
    }

    /** User plus system CPU time of these processes, in seconds; processes that are gone count as zero. */
    static double cpuSeconds(Collection<ProcessHandle> processes) {
        long ticks = 0;
        for (ProcessHandle process : processes) {
            try {
                ticks += stat(process.pid()).cpuTicks();
            } catch (IOException | RuntimeException e) {
                // gone meanwhile
            }
        }
        return ticks / TICKS_PER_SECOND;
    }

    /** Proportional set size of a process, in bytes; fails if the process is gone. */
    public static long pssBytes(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"))) {
            if (line.startsWith("Pss:")) {
                return kilobytes(line) << 10;
            }
        }
        return 0;
    }

    /** Proportional set size of these processes, in bytes. */
    static long pssBytes(Collection<ProcessHandle> processes) {
        long total = 0;
        for (ProcessHandle process : processes) {
            try {
                total += pssBytes(process.pid());
            } catch (IOException | RuntimeException e) {
                // gone meanwhile
            }
        }
        return total;
    }
}
