package dev.capstan.recorder.slot;

import dev.capstan.recorder.browser.Browser;
import dev.capstan.recorder.process.MissingExecutableException;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One recorder slot: a private display, a private sound sink and a browser, kept warm between recordings.
 * A slot records one meeting at a time; a host runs several.
 */
public final class Slot implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Slot.class);

    private final String name;
    private final SlotConfig config;
    private SlotState state = new SlotState.Cold();
    private Path runtimeDirectory;
    private Display display;
    private AudioSink sink;
    private Browser browser;
    private Recording current;

    public Slot(String name, SlotConfig config) {
        this.name = name;
        this.config = config;
    }

    public String name() {
        return name;
    }

    public SlotConfig config() {
        return config;
    }

    public synchronized SlotState state() {
        return state;
    }

    /** The slot's display, while it is warm. */
    public synchronized Optional<Display> display() {
        return Optional.ofNullable(display);
    }

    /** Brings display, sound and browser up, if they are not already. Idempotent. */
    public synchronized void warmUp() throws SlotException {
        if (state instanceof SlotState.Idle || state instanceof SlotState.Busy) {
            return;
        }
        moveTo(new SlotState.Warming());
        long started = System.nanoTime();
        try {
            runtimeDirectory = createRuntimeDirectory();
            display = startPart(Failure.Reason.DISPLAY_FAILED, () -> Display.start(config.xvfb(),
                    config.displayNumber(), config.profile().width(), config.profile().height(), Duration.ofSeconds(10)));
            sink = startPart(Failure.Reason.AUDIO_FAILED,
                    () -> AudioSink.start(config.pulseaudio(), runtimeDirectory.resolve("pulse"), Duration.ofSeconds(10)));
            browser = startPart(Failure.Reason.BROWSER_FAILED, () -> Browser.launch(browserOptions()));
            browser.blank();
        } catch (SlotException e) {
            tearDown();
            moveTo(new SlotState.Broken(e.failure()));
            throw e;
        }
        moveTo(new SlotState.Idle());
        log.info("{} warm on display {} in {} ms", name, display.name(), (System.nanoTime() - started) / 1_000_000);
    }

    private Path createRuntimeDirectory() throws SlotException {
        try {
            // Absolute: PulseAudio's socket path and Chromium's profile path are resolved by other processes.
            Path work = config.workDirectory().toAbsolutePath();
            Files.createDirectories(work);
            return Files.createTempDirectory(work, name + "-");
        } catch (IOException e) {
            throw new SlotException(Failure.Reason.OUTPUT_UNWRITABLE,
                    "cannot create a runtime directory in " + config.workDirectory() + ": " + e.getMessage(), e);
        }
    }

    private Browser.Options browserOptions() {
        Map<String, String> environment = new HashMap<>(sink.clientEnvironment());
        environment.put("DISPLAY", display.name());
        environment.put("HOME", runtimeDirectory.toString());
        return new Browser.Options(config.chromium(), config.chromedriver(), config.profile().width(),
                config.profile().height(), runtimeDirectory.resolve("profile"), environment,
                config.pageLoadTimeout(), config.browserFlags());
    }

    private interface PartStarter<T> {
        T start() throws IOException;
    }

    private static <T> T startPart(Failure.Reason reason, PartStarter<T> starter) throws SlotException {
        try {
            return starter.start();
        } catch (MissingExecutableException e) {
            Failure.Reason missing = switch (e.program()) {
                case "chromium", "chromedriver" -> Failure.Reason.BROWSER_MISSING;
                default -> reason;
            };
            throw new SlotException(missing, e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw new SlotException(reason, e.getMessage(), e);
        }
    }

    /**
     * Starts recording on this slot, warming it first if needed. Returns at once; progress and the outcome
     * arrive as events.
     *
     * @throws IllegalStateException if the slot is busy or closed
     */
    public synchronized Recording record(RecordingRequest request, Consumer<SlotEvent> listener) {
        if (state instanceof SlotState.Busy || state instanceof SlotState.Closed) {
            throw new IllegalStateException(name + " cannot record now: it is " + describe(state));
        }
        current = new Recording(this, request, listener);
        current.start();
        return current;
    }

    /** Called from the recording's thread to get the warm parts it records from. */
    synchronized Parts claim(RecordingId id) throws SlotException {
        warmUp();
        moveTo(new SlotState.Busy(id));
        return new Parts(display, sink, browser);
    }

    /** What a recording uses while it runs. */
    record Parts(Display display, AudioSink sink, Browser browser) {

        boolean alive() {
            return display.isAlive() && sink.isAlive() && browser.isResponsive();
        }
    }

    /** Called when a recording is over: the slot goes back to idle on a blank page, or is torn down if hurt. */
    synchronized void release(Recording recording, Optional<Failure> damage) {
        if (current == recording) {
            current = null;
        }
        if (!(state instanceof SlotState.Busy)) {
            return;
        }
        if (damage.isEmpty() && browser != null) {
            try {
                browser.blank();
                moveTo(new SlotState.Idle());
                return;
            } catch (RuntimeException e) {
                damage = Optional.of(new Failure(Failure.Reason.BROWSER_FAILED, "browser did not leave the page: " + e.getMessage()));
            }
        }
        log.warn("{} is broken ({}); tearing it down", name, damage.get());
        tearDown();
        moveTo(new SlotState.Broken(damage.get()));
    }

    /** True if every part of a warm slot is still alive and the browser answers. */
    public synchronized boolean isHealthy() {
        return display != null && sink != null && browser != null && new Parts(display, sink, browser).alive();
    }

    private void moveTo(SlotState next) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException(name + " cannot go from " + describe(state) + " to " + describe(next));
        }
        log.debug("{}: {} -> {}", name, describe(state), describe(next));
        state = next;
    }

    private static String describe(SlotState state) {
        return state.getClass().getSimpleName().toLowerCase();
    }

    private void tearDown() {
        if (browser != null) {
            browser.close();
            browser = null;
        }
        if (sink != null) {
            sink.close();
            sink = null;
        }
        if (display != null) {
            display.close();
            display = null;
        }
        if (runtimeDirectory != null) {
            deleteRecursively(runtimeDirectory);
            runtimeDirectory = null;
        }
    }

    private static void deleteRecursively(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            log.warn("could not remove {}: {}", directory, e.toString());
        }
    }

    /** Stops a recording in progress (its file is finished), then ends every process and removes the runtime files. */
    @Override
    public void close() {
        Recording running;
        synchronized (this) {
            running = current;
        }
        if (running != null) {
            running.stop().join();
        }
        synchronized (this) {
            tearDown();
            if (!(state instanceof SlotState.Closed)) {
                moveTo(new SlotState.Closed());
            }
        }
    }
}
