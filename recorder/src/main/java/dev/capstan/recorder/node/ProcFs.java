package dev.capstan.recorder.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/** Readings from Linux's /proc: host CPU time, memory, and the CPU time of given processes. */
public final class ProcFs {

    /** USER_HZ: the unit of CPU times in /proc; 100 on every mainstream Linux build. */
    static final double TICKS_PER_SECOND = 100;

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

    /** User plus system CPU time of these processes, in seconds; processes that are gone count as zero. */
    static double cpuSeconds(Collection<ProcessHandle> processes) {
        long ticks = 0;
        for (ProcessHandle process : processes) {
            ticks += processTicks(process.pid());
        }
        return ticks / TICKS_PER_SECOND;
    }

    private static long processTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may hold spaces; the fields after it are fixed.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Proportional set size of these processes, in bytes. */
    static long pssBytes(Collection<ProcessHandle> processes) {
        long total = 0;
        for (ProcessHandle process : processes) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "smaps_rollup"))) {
                    if (line.startsWith("Pss:")) {
                        total += kilobytes(line) << 10;
                        break;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // gone meanwhile
            }
        }
        return total;
    }
}
