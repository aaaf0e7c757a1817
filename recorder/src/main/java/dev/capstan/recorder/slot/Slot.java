package dev.capstan.recorder.slot;

import dev.capstan.recorder.browser.Browser;
import dev.capstan.recorder.process.MissingExecutableException;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
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
    private final Consumer<SlotState> stateListener;
    // Volatile so that the state and the running processes can be read while a slow warm-up holds the lock.
    private volatile SlotState state = new SlotState.Cold();
    private volatile int uses;
    private volatile Instant warmSince;
    private RuntimeDirectory runtime;
    private Path runtimeDirectory;
    private volatile Display display;
    private volatile AudioSink sink;
    private volatile Browser browser;
    private volatile Recording current;

    public Slot(String name, SlotConfig config) {
        this(name, config, state -> { });
    }

    /** @param stateListener told of every state change, on the thread that made it; it must not block */
    public Slot(String name, SlotConfig config, Consumer<SlotState> stateListener) {
        this.name = name;
        this.config = config;
        this.stateListener = stateListener;
    }

    public String name() {
        return name;
    }

    public SlotConfig config() {
        return config;
    }

    public SlotState state() {
        return state;
    }

    /** Recordings made since the slot was last warmed up. */
    public int uses() {
        return uses;
    }

    /** When the slot's current display, sound and browser were started; empty while cold. */
    public Optional<Instant> warmSince() {
        return Optional.ofNullable(warmSince);
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
            runtime = createRuntimeDirectory();
            runtimeDirectory = runtime.path();
            display = startPart(Failure.Reason.DISPLAY_FAILED, () -> Display.start(config.xvfb(),
                    config.displayNumber(), config.profile().width(), config.profile().height(), Duration.ofSeconds(10)));
            // The browser draws at 40 Hz for a 30 fps recording instead of 60 (a third less of its CPU). Exactly the
            // capture rate saves a little more, but the two clocks then beat: depending on their phase, some
            // recordings got up to 9% repeated frames. With a third more, every grab finds a new frame.
            display.setRefreshRate(config.profile().frameRate() * 4 / 3);
            sink = startPart(Failure.Reason.AUDIO_FAILED,
                    () -> AudioSink.start(config.pulseaudio(), runtimeDirectory.resolve("pulse"), Duration.ofSeconds(10)));
            browser = startPart(Failure.Reason.BROWSER_FAILED, () -> Browser.launch(browserOptions()));
        } catch (SlotException e) {
            tearDown();
            moveTo(new SlotState.Broken(e.failure()));
            throw e;
        }
        uses = 0;
        warmSince = Instant.now();
        moveTo(new SlotState.Idle());
        log.info("{} warm on display {} in {} ms", name, display.name(), (System.nanoTime() - started) / 1_000_000);
    }

    private RuntimeDirectory createRuntimeDirectory() throws SlotException {
        try {
            return RuntimeDirectory.create(config.workDirectory(), name);
        } catch (IOException e) {
            throw new SlotException(Failure.Reason.OUTPUT_UNWRITABLE,
                    "cannot create a runtime directory in " + config.workDirectory() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes runtime directories left in {@code workDirectory} by slots of a process that was killed; those of
     * running slots, in this process or another, are left alone.
     */
    public static void sweepAbandoned(Path workDirectory) {
        List<Path> swept = RuntimeDirectory.sweepStale(workDirectory);
        if (!swept.isEmpty()) {
            log.info("removed {} runtime directories left by a killed process: {}", swept.size(), swept);
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
        if (state instanceof SlotState.Idle) {
            // Busy at once, so that nobody else takes the slot before the recording's thread runs.
            moveTo(new SlotState.Busy(request.id()));
        }
        current = new Recording(this, request, listener);
        current.start();
        return current;
    }

    /** Called from the recording's thread to get the warm parts it records from. */
    synchronized Parts claim(RecordingId id) throws SlotException {
        if (!state.equals(new SlotState.Busy(id))) {
            warmUp();
            moveTo(new SlotState.Busy(id));
        }
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
        uses++;
        if (damage.isEmpty() && browser != null) {
            try {
                browser.reset();
                moveTo(new SlotState.Idle());
                return;
            } catch (RuntimeException e) {
                damage = Optional.of(new Failure(Failure.Reason.BROWSER_FAILED, "browser could not be reset for the next conference: " + e.getMessage()));
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

    /**
     * Checks an idle slot's parts; a slot with a dead display, sound server or browser is torn down and becomes
     * {@link SlotState.Broken}, ready to be warmed again. Busy slots are watched by their recording instead.
     */
    public synchronized SlotState checkHealth() {
        if (state instanceof SlotState.Idle && !isHealthy()) {
            Failure failure = new Failure(Failure.Reason.SLOT_DIED, "while idle: display "
                    + (display.isAlive() ? "up" : "gone") + ", audio " + (sink.isAlive() ? "up" : "gone")
                    + ", browser " + (browser.isResponsive() ? "answering" : "not answering"));
            log.warn("{} is broken ({}); tearing it down", name, failure);
            tearDown();
            moveTo(new SlotState.Broken(failure));
        }
        return state;
    }

    /** Tears an idle slot down so that it can be warmed up afresh (recycling). Returns false if it was not idle. */
    public synchronized boolean retire() {
        if (!(state instanceof SlotState.Idle)) {
            return false;
        }
        log.info("{} retired after {} recordings", name, uses);
        tearDown();
        moveTo(new SlotState.Cold());
        return true;
    }

    /** The processes this slot runs now (display, sound server, browser and encoder, with their children). */
    public List<ProcessHandle> processes() {
        List<ProcessHandle> roots = new ArrayList<>();
        Display display = this.display;
        AudioSink sink = this.sink;
        Browser browser = this.browser;
        Recording running = current;
        if (display != null) {
            ProcessHandle.of(display.pid()).ifPresent(roots::add);
        }
        if (sink != null) {
            roots.addAll(sink.processes());
        }
        if (browser != null) {
            browser.driverProcess().ifPresent(roots::add);
        }
        if (running != null) {
            running.captureProcess().ifPresent(roots::add);
        }
        List<ProcessHandle> all = new ArrayList<>(roots);
        roots.forEach(root -> root.descendants().forEach(all::add));
        return all;
    }

    private void moveTo(SlotState next) {
        if (!state.canMoveTo(next)) {
            throw new IllegalStateException(name + " cannot go from " + describe(state) + " to " + describe(next));
        }
        log.debug("{}: {} -> {}", name, describe(state), describe(next));
        state = next;
        try {
            stateListener.accept(next);
        } catch (RuntimeException e) {
            log.warn("{}: state listener failed", name, e);
        }
    }

    private static String describe(SlotState state) {
        return state.getClass().getSimpleName().toLowerCase();
    }

    private void tearDown() {
        warmSince = null;
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
        if (runtime != null) {
            runtime.close();
            runtime = null;
            runtimeDirectory = null;
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
