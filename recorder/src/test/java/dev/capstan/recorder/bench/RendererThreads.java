package dev.capstan.recorder.bench;

import dev.capstan.recorder.node.ProcFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of the threads of this JVM's Chromium renderers (the processes that run the pages), grouped by thread
 * name: it tells a page's MediaRecorders, which encode on the renderer's thread pool, from its main thread, which
 * runs the page's scripts, and from WebRTC's and the audio output's threads. Polled several times a second so that
 * a pool thread that ends counts up to its last reading; one that starts counts from zero.
 */
final class RendererThreads implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(250);
    /** The renderer's main thread carries the process's name. */
    static final String MAIN = "main";
    static final String THREAD_NAME = "renderer-threads";

    /** Per thread: its group, ticks at its first reading (0 if it started after the meter), latest ticks. */
    private record Account(String group, long firstTicks, long lastTicks) {
    }

    private final long startTicksSinceBoot = (long) (uptimeSeconds() * ProcFs.TICKS_PER_SECOND);
    /** Known renderers; other processes are asked again, as a fresh child shows its parent's command at first. */
    private final Set<Long> renderers = new HashSet<>();
    private final Map<Long, Account> accounts = new HashMap<>();
    private final Thread poller;
    private volatile boolean running = true;

    private RendererThreads() {
        poll();
        poller = new Thread(this::pollUntilClosed, THREAD_NAME);
        poller.setDaemon(true);
        poller.start();
    }

    static RendererThreads start() {
        return new RendererThreads();
    }

    /** CPU-seconds by thread group since the start; measuring goes on. */
    Map<String, Double> cpuSeconds() {
        poll();
        Map<String, Double> seconds = new TreeMap<>();
        synchronized (this) {
            accounts.values().forEach(account -> seconds.merge(account.group(),
                    (account.lastTicks() - account.firstTicks()) / ProcFs.TICKS_PER_SECOND, Double::sum));
        }
        return seconds;
    }

    /** Cores by thread group between two readings {@code seconds} apart. */
    static Map<String, Double> cores(Map<String, Double> from, Map<String, Double> to, double seconds) {
        Map<String, Double> cores = new TreeMap<>();
        to.forEach((group, cpu) -> cores.put(group, (cpu - from.getOrDefault(group, 0.0)) / seconds));
        return cores;
    }

    private void pollUntilClosed() {
        while (running) {
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            poll();
        }
    }

    private synchronized void poll() {
        for (ProcessHandle process : ProcessHandle.current().descendants().toList()) {
            if (!renderers.contains(process.pid())) {
                if (!isRenderer(process.pid())) {
                    continue;
                }
                renderers.add(process.pid());
            }
            Path tasks = Path.of("/proc", Long.toString(process.pid()), "task");
            try (Stream<Path> threads = Files.list(tasks)) {
                for (Path task : threads.toList()) {
                    read(process.pid(), task);
                }
            } catch (IOException | RuntimeException e) {
                // The renderer ended: its threads' last readings stand.
            }
        }
    }

    private void read(long pid, Path task) {
        try {
            String stat = Files.readString(task.resolve("stat"));
            int nameEnd = stat.lastIndexOf(')');
            String name = stat.substring(stat.indexOf('(') + 1, nameEnd);
            String[] fields = stat.substring(nameEnd + 2).split(" ");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
            long started = Long.parseLong(fields[19]);
            long tid = Long.parseLong(task.getFileName().toString());
            Account account = accounts.get(tid);
            if (account == null) {
                String group = tid == pid ? MAIN : name.replaceAll("\\d+$", "");
                account = new Account(group, started >= startTicksSinceBoot ? 0 : ticks, ticks);
            }
            accounts.put(tid, new Account(account.group(), account.firstTicks(), Math.max(account.lastTicks(), ticks)));
        } catch (IOException | RuntimeException e) {
            // The thread ended between listing and reading.
        }
    }

    private static boolean isRenderer(long pid) {
        try {
            String command = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
            // A zygote's child rewrites its command line as one string: the argument is a part of it, not a field.
            return command.contains("--type=renderer");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private static double uptimeSeconds() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    @Override
    public void close() {
        running = false;
        poller.interrupt();
    }
}
