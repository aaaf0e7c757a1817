package dev.capstan.recorder.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A supervised child process: started so that it dies with this JVM, its output read line by line, and
 * stopped with a grace period before it and any descendants are killed.
 *
 * <p>The parent-death signal (through util-linux's {@code setpriv}) is what keeps a crashed JVM from
 * leaving orphan displays, sound servers and encoders behind.
 */
public final class ChildProcess implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChildProcess.class);
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    /*
     * Linux sends the parent-death signal when the thread that forked the child ends, not the process.
     * So every child is forked from this one thread, which lives as long as the JVM; otherwise a pool
     * thread retiring would kill the displays and browsers it happened to start.
     */
    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(task -> {
        Thread thread = new Thread(task, "capstan-process-launcher");
        thread.setDaemon(true);
        return thread;
    });

    private final String name;
    private final Process process;
    private final CompletableFuture<Integer> exit;
    private final List<Thread> readers = new ArrayList<>();

    private ChildProcess(String name, Process process) {
        this.name = name;
        this.process = process;
        this.exit = process.onExit().thenApply(Process::exitValue);
    }

    /** What to run and where its output goes. */
    public record Spec(
            String name,
            List<String> command,
            Map<String, String> environment,
            String deathSignal,
            Consumer<String> stdout,
            Consumer<String> stderr,
            UnaryOperator<String> redaction) {

        public Spec {
            command = List.copyOf(command);
            environment = Map.copyOf(environment);
        }

        public static Spec of(String name, List<String> command) {
            return new Spec(name, command, Map.of(), "KILL", line -> {}, line -> {}, UnaryOperator.identity());
        }

        public Spec withEnvironment(Map<String, String> env) {
            return new Spec(name, command, env, deathSignal, stdout, stderr, redaction);
        }

        /** The signal the child gets when this JVM dies; TERM lets an encoder finish its file. */
        public Spec withDeathSignal(String signal) {
            return new Spec(name, command, environment, signal, stdout, stderr, redaction);
        }

        public Spec onStdout(Consumer<String> lines) {
            return new Spec(name, command, environment, deathSignal, lines, stderr, redaction);
        }

        /** Masks secrets (a stream key in an address) wherever the command line is logged. */
        public Spec withRedaction(UnaryOperator<String> masking) {
            return new Spec(name, command, environment, deathSignal, stdout, stderr, masking);
        }

        public Spec onStderr(Consumer<String> lines) {
            return new Spec(name, command, environment, deathSignal, stdout, lines, redaction);
        }
    }

    public static ChildProcess start(Spec spec) throws IOException {
        Path executable = Path.of(spec.command().get(0));
        if (executable.isAbsolute() && !Files.isExecutable(executable)) {
            throw new MissingExecutableException(spec.name(), executable);
        }
        ProcessBuilder builder = new ProcessBuilder(dyingWithJvm(spec.deathSignal(), spec.command()));
        builder.environment().putAll(spec.environment());
        Process process = onLauncherThread(builder::start);
        ChildProcess child = new ChildProcess(spec.name(), process);
        child.read(process.getInputStream(), "out", spec.stdout());
        child.read(process.getErrorStream(), "err", spec.stderr());
        log.debug("{} started (pid {}): {}", spec.name(), process.pid(), spec.redaction().apply(String.join(" ", spec.command())));
        return child;
    }

    /**
     * The command line that runs {@code command} with a parent-death signal, so that it gets {@code signal}
     * when this JVM dies. For processes a library forks (Selenium's chromedriver); {@link #start} does it itself.
     * Must be forked on the launcher thread ({@link #onLauncherThread}) like every other child.
     */
    public static List<String> dyingWithJvm(String signal, List<String> command) {
        List<String> full = new ArrayList<>();
        if (Files.isExecutable(SETPRIV)) {
            full.addAll(List.of(SETPRIV.toString(), "--pdeathsig", signal, "--"));
        }
        full.addAll(command);
        return full;
    }

    /**
     * Runs an action that forks a process (ours, or a library's such as Selenium's driver service) on the
     * launcher thread, so the parent-death signal fires only when the JVM itself dies.
     */
    public static <T> T onLauncherThread(Callable<T> action) throws IOException {
        try {
            return LAUNCHER.submit(action).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting a process", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IOException(cause);
        }
    }

    private void read(InputStream stream, String channel, Consumer<String> lines) {
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    lines.accept(line);
                }
            } catch (IOException | RuntimeException e) {
                log.debug("{} {} reader ended: {}", name, channel, e.toString());
            }
        }, name + "-" + channel);
        reader.setDaemon(true);
        reader.start();
        readers.add(reader);
    }

    /** The child's standard input; closing it signals end of input. */
    public OutputStream stdin() {
        return process.getOutputStream();
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Completes with the exit code once the process has ended. */
    public CompletableFuture<Integer> exit() {
        return exit;
    }

    public Optional<Integer> exitCode() {
        return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    }

    /** Waits until every line of output has been delivered; call after {@link #exit()} completed. */
    public void drainOutput(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread reader : readers) {
            try {
                reader.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** SIGTERM, then SIGKILL after the grace period; descendants (say, a browser's helpers) go too. */
    public void stop(Duration grace) {
        List<ProcessHandle> descendants = process.descendants().toList();
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    log.warn("{} (pid {}) ignored SIGTERM for {}; killing it", name, pid(), grace);
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        drainOutput(Duration.ofSeconds(2));
    }

    /**
     * SIGTERM only; the caller decides how long to wait (see {@code Capture.stop}). Through the process handle:
     * {@link Process#destroy()} also closes our end of its pipes, and the output it writes while finishing is lost.
     */
    public void terminate() {
        process.toHandle().destroy();
    }

    /** SIGKILL, to the process and its descendants. */
    public void kill() {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroyForcibly();
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }
}
