package dev.capstan.recorder.slot;

import dev.capstan.recorder.process.ChildProcess;
import dev.capstan.recorder.process.Waits;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private PulseAudio daemon with one null sink. The browser plays into the sink; FFmpeg records its monitor.
 * A daemon per slot, rather than a sink per slot on a shared daemon, means one slot's sound server can die
 * without taking the others' audio with it.
 */
public final class AudioSink implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AudioSink.class);

    static final String SINK = "capstan";
    private static final int SAMPLE_RATE = 48_000;
    /** The keep-awake reader's latency: the longest FFmpeg waits for its first sound (0.007 cores idle). */
    private static final int KEEP_AWAKE_MILLIS = 100;

    private final ChildProcess daemon;
    private final Path socket;
    private final Optional<ChildProcess> keepAwake;

    private AudioSink(ChildProcess daemon, Path socket, Optional<ChildProcess> keepAwake) {
        this.daemon = daemon;
        this.socket = socket;
        this.keepAwake = keepAwake;
    }

    /** Starts the daemon with its sink kept awake (see {@link #start(Path, Path, Duration, boolean)}). */
    public static AudioSink start(Path pulseaudioBinary, Path runtimeDir, Duration timeout) throws IOException {
        return start(pulseaudioBinary, runtimeDir, timeout, true);
    }

    /**
     * Starts the daemon.
     *
     * @param keepAwake keep a reader on the sink's monitor. An idle null sink renders in 2-second blocks, and a
     *                  new recorder (FFmpeg) on its monitor gets no sound until the current block ends: up to 2 s
     *                  more before the first frame whenever the page has not started playing yet. A reader asking
     *                  for 100 ms blocks keeps that wait under 100 ms, for about 0.007 cores.
     */
    public static AudioSink start(Path pulseaudioBinary, Path runtimeDir, Duration timeout, boolean keepAwake)
            throws IOException {
        Files.createDirectories(runtimeDir);
        Path socket = runtimeDir.resolve("native");
        List<String> command = List.of(
                pulseaudioBinary.toString(), "-n", "--daemonize=no", "--exit-idle-time=-1", "--disable-shm=yes",
                "--use-pid-file=no", "--log-target=file:" + runtimeDir.resolve("pulseaudio.log"),
                // Anonymous auth: clients in this slot have no cookie, and the socket is private to the slot.
                "--load=module-native-protocol-unix auth-anonymous=1 socket=" + socket,
                "--load=module-null-sink sink_name=" + SINK + " rate=" + SAMPLE_RATE,
                "--load=module-always-sink");
        ChildProcess daemon = ChildProcess.start(ChildProcess.Spec.of("pulseaudio", command)
                .withEnvironment(Map.of("PULSE_RUNTIME_PATH", runtimeDir.toString(), "HOME", runtimeDir.toString())));
        try {
            if (!Waits.until(() -> !daemon.isAlive() || accepts(socket), timeout, Duration.ofMillis(20))
                    || !daemon.isAlive()) {
                daemon.stop(Duration.ofSeconds(2));
                throw new IOException("PulseAudio did not open its socket within " + timeout
                        + " (see " + runtimeDir.resolve("pulseaudio.log") + ")");
            }
        } catch (InterruptedException e) {
            daemon.stop(Duration.ofSeconds(2));
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting PulseAudio", e);
        }
        return new AudioSink(daemon, socket, keepAwake ? startKeepAwake(pulseaudioBinary, socket) : Optional.empty());
    }

    /** parec comes with pulseaudio (pulseaudio-utils); without it the sink works, only slower to start recording. */
    private static Optional<ChildProcess> startKeepAwake(Path pulseaudioBinary, Path socket) {
        Path parec = pulseaudioBinary.resolveSibling("parec");
        try {
            return Optional.of(ChildProcess.start(ChildProcess.Spec.of("parec", List.of(parec.toString(),
                    "--server=unix:" + socket, "--device=" + SINK + ".monitor", "--raw",
                    "--latency-msec=" + KEEP_AWAKE_MILLIS, "--client-name=capstan-keep-awake", "/dev/null"))));
        } catch (IOException e) {
            log.warn("the sound sink is not kept awake, so a recording may wait up to 2 s for its first sound: {}",
                    e.getMessage());
            return Optional.empty();
        }
    }

    private static boolean accepts(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            return false;
        }
    }

    /** The server address clients use ({@code PULSE_SERVER}). */
    public String server() {
        return "unix:" + socket;
    }

    /** The source FFmpeg records: everything played into this slot's sink. */
    public String monitorSource() {
        return SINK + ".monitor";
    }

    public int sampleRate() {
        return SAMPLE_RATE;
    }

    /** Environment that makes a client (the browser, FFmpeg) use this sink and nothing else. */
    public Map<String, String> clientEnvironment() {
        return Map.of("PULSE_SERVER", server(), "PULSE_SINK", SINK);
    }

    public boolean isAlive() {
        return daemon.isAlive() && Files.exists(socket);
    }

    /** The sound server and its keep-awake reader, for measuring what the slot costs. */
    public List<ProcessHandle> processes() {
        List<ProcessHandle> processes = new ArrayList<>();
        ProcessHandle.of(daemon.pid()).ifPresent(processes::add);
        keepAwake.flatMap(reader -> ProcessHandle.of(reader.pid())).ifPresent(processes::add);
        return processes;
    }

    @Override
    public void close() {
        keepAwake.ifPresent(reader -> reader.stop(Duration.ofSeconds(1)));
        daemon.stop(Duration.ofSeconds(3));
    }
}
