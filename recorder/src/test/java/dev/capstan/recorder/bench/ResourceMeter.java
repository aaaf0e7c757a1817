package dev.capstan.recorder.bench;

import dev.capstan.recorder.node.ProcFs;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time and proportional memory (PSS) of this JVM's descendant processes, read from /proc and grouped by
 * program (Xvfb, pulseaudio, chromium, chromedriver, ffmpeg). The JVM itself is not counted: on a node it is
 * shared by every slot.
 *
 * <p>It polls in the background, several times a second, and accounts per process: a process that starts inside
 * the measured window counts from zero, and one that exits counts up to its last reading. So a pipeline that
 * launches and ends its own browser and encoder (the Jibri-style one) is measured as fairly as a warm slot
 * whose processes live on; the most it misses is the last poll interval of a process that ends.
 *
 * <p>A bench that needs finer parts than programs can name its own {@link Grouping} (one FFmpeg encodes, another
 * streams), and can count some of this JVM's own threads, by name, as one more part: {@value #JVM_THREADS}.
 */
final class ResourceMeter implements AutoCloseable {

    private static final Duration CPU_POLL = Duration.ofMillis(200);
    /** Reading smaps_rollup walks a process's page tables, so memory is read less often than CPU time. */
    private static final int MEMORY_EVERY_NTH_POLL = 5;
    /** The part under which the JVM threads named by {@link #start(Grouping, List)} count. */
    static final String JVM_THREADS = "jvm-threads";

    /** Names the part a process counts under, given its pid and program; by default the program. */
    @FunctionalInterface
    interface Grouping {
        String of(long pid, String program);
    }

    private final long startNanos = System.nanoTime();
    private final long startTicksSinceBoot = ticksSinceBoot();
    private final double startHostBusySeconds = ProcFs.hostBusySeconds();
    private final Map<Long, Account> accounts = new HashMap<>();
    private final Grouping grouping;
    private final List<String> threadPrefixes;
    /** CPU nanoseconds of the counted JVM threads, by thread id: {first reading, latest reading}. */
    private final Map<Long, long[]> threadAccounts = new HashMap<>();
    private boolean polledOnce;
    private final Map<String, Double> peakPssByProgram = new TreeMap<>();
    private double peakPssTotal;
    private final Thread poller;
    private volatile boolean running = true;

    /**
     * What a window cost: CPU-seconds and peak PSS, in total and per program. {@code hostBusySeconds} is the CPU
     * time the whole host spent busy meanwhile, which shows whether anything else ran during the measurement.
     */
    record Usage(double seconds, Map<String, Double> cpuSecondsByProgram, double peakPssMegabytes,
                 Map<String, Double> peakPssMegabytesByProgram, double hostBusySeconds) {

        /** The part of this usage after {@code earlier} (a reading of the same meter); peaks stay this window's. */
        Usage since(Usage earlier) {
            Map<String, Double> cpu = new TreeMap<>();
            cpuSecondsByProgram.forEach((program, seconds) ->
                    cpu.put(program, seconds - earlier.cpuSecondsByProgram.getOrDefault(program, 0.0)));
            return new Usage(seconds - earlier.seconds, cpu, peakPssMegabytes, peakPssMegabytesByProgram,
                    hostBusySeconds - earlier.hostBusySeconds);
        }

        double hostBusyCores() {
            return seconds > 0 ? hostBusySeconds / seconds : 0;
        }

        double cpuSeconds() {
            return cpuSecondsByProgram.values().stream().mapToDouble(Double::doubleValue).sum();
        }

        /** Mean cores in use over the window. */
        double cores() {
            return seconds > 0 ? cpuSeconds() / seconds : 0;
        }

        Map<String, Double> coresByProgram() {
            Map<String, Double> cores = new TreeMap<>();
            cpuSecondsByProgram.forEach((program, cpu) -> cores.put(program, seconds > 0 ? cpu / seconds : 0));
            return cores;
        }
    }

    private static final class Account {
        /** The latest name: a child is first seen under its forking thread's name, until it execs. */
        String program;
        final long firstTicks;
        long lastTicks;

        Account(String program, long firstTicks) {
            this.program = program;
            this.firstTicks = firstTicks;
            this.lastTicks = firstTicks;
        }
    }

    private ResourceMeter(Grouping grouping, List<String> threadPrefixes) {
        this.grouping = grouping;
        this.threadPrefixes = List.copyOf(threadPrefixes);
        poll(true);
        poller = new Thread(this::pollUntilClosed, "resource-meter");
        poller.setDaemon(true);
        poller.start();
    }

    /** Starts measuring now. */
    static ResourceMeter start() {
        return start((pid, program) -> program, List.of());
    }

    /**
     * Starts measuring now, counting each process under the part {@code grouping} names, and this JVM's threads
     * whose names start with one of {@code threadPrefixes} under {@value #JVM_THREADS}.
     */
    static ResourceMeter start(Grouping grouping, List<String> threadPrefixes) {
        return new ResourceMeter(grouping, threadPrefixes);
    }

    private void pollUntilClosed() {
        int round = 0;
        while (running) {
            try {
                Thread.sleep(CPU_POLL.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            poll(++round % MEMORY_EVERY_NTH_POLL == 0);
        }
    }

    private void poll(boolean withMemory) {
        Map<String, Double> pss = new TreeMap<>();
        for (ProcessHandle process : ProcessHandle.current().descendants().toList()) {
            try {
                ProcFs.ProcessStat stat = ProcFs.stat(process.pid());
                String program = grouping.of(process.pid(), programName(stat.command()));
                long ticks = stat.cpuTicks();
                synchronized (this) {
                    Account account = accounts.get(process.pid());
                    if (account == null) {
                        // Started inside the window: all its CPU time is the window's.
                        long before = stat.startTicks() >= startTicksSinceBoot ? 0 : ticks;
                        account = new Account(program, before);
                        accounts.put(process.pid(), account);
                    }
                    account.lastTicks = Math.max(account.lastTicks, ticks);
                    account.program = program;
                }
                if (withMemory) {
                    pss.merge(program, ProcFs.pssBytes(process.pid()) / (1024.0 * 1024.0), Double::sum);
                }
            } catch (IOException | RuntimeException e) {
                // The process ended between listing and reading: its last reading stands.
            }
        }
        pollThreads();
        if (withMemory) {
            synchronized (this) {
                pss.forEach((program, megabytes) -> peakPssByProgram.merge(program, megabytes, Math::max));
                peakPssTotal = Math.max(peakPssTotal, pss.values().stream().mapToDouble(Double::doubleValue).sum());
            }
        }
    }

    private void pollThreads() {
        if (threadPrefixes.isEmpty()) {
            return;
        }
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (ThreadInfo thread : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (thread == null || threadPrefixes.stream().noneMatch(thread.getThreadName()::startsWith)) {
                continue;
            }
            long nanos = threads.getThreadCpuTime(thread.getThreadId());
            if (nanos < 0) {
                continue; // ended meanwhile
            }
            synchronized (this) {
                // A thread first seen after the first poll started inside the window: all its CPU time counts.
                long[] account = threadAccounts.computeIfAbsent(thread.getThreadId(),
                        id -> new long[] {polledOnce ? 0 : nanos, nanos});
                account[1] = Math.max(account[1], nanos);
            }
        }
        synchronized (this) {
            polledOnce = true;
        }
    }

    /** Chromium's processes are named after their role (chrome, chromium, ThreadPoolForeg...); all are the browser. */
    private static String programName(String name) {
        if (name.equals("chromedriver")) {
            return name;
        }
        return name.startsWith("chrom") || name.startsWith("Chrom") ? "chromium" : name;
    }

    private static long ticksSinceBoot() {
        try {
            String uptime = Files.readString(Path.of("/proc/uptime")).split(" ")[0];
            return (long) (Double.parseDouble(uptime) * ProcFs.TICKS_PER_SECOND);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** What was used from the start until now; measuring goes on. */
    Usage usage() {
        poll(true);
        synchronized (this) {
            Map<String, Double> cpu = new TreeMap<>();
            accounts.values().forEach(account ->
                    cpu.merge(account.program, (account.lastTicks - account.firstTicks) / ProcFs.TICKS_PER_SECOND, Double::sum));
            threadAccounts.values().forEach(account -> cpu.merge(JVM_THREADS, (account[1] - account[0]) / 1e9, Double::sum));
            return new Usage((System.nanoTime() - startNanos) / 1e9, cpu, peakPssTotal, new TreeMap<>(peakPssByProgram),
                    ProcFs.hostBusySeconds() - startHostBusySeconds);
        }
    }

    long startNanos() {
        return startNanos;
    }

    /** Stops measuring and returns the window's usage. */
    Usage finish() {
        Usage usage = usage();
        close();
        return usage;
    }

    @Override
    public void close() {
        running = false;
        poller.interrupt();
    }
}
