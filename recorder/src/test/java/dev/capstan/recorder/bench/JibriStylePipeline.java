package dev.capstan.recorder.bench;

import dev.capstan.recorder.browser.Browser;
import dev.capstan.recorder.process.ChildProcess;
import dev.capstan.recorder.slot.AudioSink;
import dev.capstan.recorder.slot.Display;
import dev.capstan.recorder.slot.SlotConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A recorder built the way Jibri builds one, to measure Capstan against (jibri.md §3.1, §4.2).
 *
 * <p>Like Jibri's system Xorg and ALSA loopback services, the display and the sound server live as long as this
 * object. Every recording then starts from nothing, as in Jibri: a new chromedriver and Chromium (Jibri's flags,
 * a fresh profile) open the page, then FFmpeg starts with Jibri's default file-recording arguments at 1280x720
 * (docker-jitsi-meet's Jibri: PulseAudio instead of ALSA), and afterwards FFmpeg gets SIGINT so the MP4 is
 * finalised and the browser quits. The FFmpeg binary is Capstan's, so the encoders are identical.
 */
final class JibriStylePipeline implements AutoCloseable {

    static final int WIDTH = 1280;
    static final int HEIGHT = 720;
    /** Jibri waits this long for FFmpeg to end after SIGINT before killing it. */
    private static final Duration FFMPEG_STOP_GRACE = Duration.ofSeconds(10);
    /** FFmpeg's stats line, the one Jibri's OutputParser takes as "recording is on". */
    private static final Pattern STATS_LINE = Pattern.compile("^frame=\\s*(\\d+)\\s");

    private final Path ffmpeg;
    private final Path chromium;
    private final Path chromedriver;
    private final Path work;
    private final Display display;
    private final AudioSink sink;
    private final boolean pulseFragmentSize;
    private final double statsPeriodSeconds;
    private int recordings;

    /**
     * @param binaries           where Xvfb, PulseAudio, Chromium and chromedriver are (the same as Capstan's slots use)
     * @param pulseFragmentSize  add {@code -fragment_size 4096} to the pulse input: the bundled FFmpeg 8.0.1
     *                           starves x11grab without it (feasibility.md §3); Jibri's ALSA input has no such problem
     * @param statsPeriodSeconds how often FFmpeg prints its stats line; the same as Capstan's, so both first-frame
     *                           times are seen with the same granularity (it does not change what FFmpeg encodes)
     */
    JibriStylePipeline(Path ffmpeg, SlotConfig binaries, Path work, boolean pulseFragmentSize, double statsPeriodSeconds)
            throws IOException {
        this.ffmpeg = ffmpeg;
        this.chromium = binaries.chromium();
        this.chromedriver = binaries.chromedriver();
        this.work = work.toAbsolutePath();
        this.pulseFragmentSize = pulseFragmentSize;
        this.statsPeriodSeconds = statsPeriodSeconds;
        Files.createDirectories(this.work);
        this.display = Display.start(binaries.xvfb(), OptionalInt.empty(), WIDTH, HEIGHT, Duration.ofSeconds(10));
        AudioSink started;
        try {
            // Without Capstan's keep-awake reader: that is one of the things being compared.
            started = AudioSink.start(binaries.pulseaudio(), this.work.resolve("pulse"), Duration.ofSeconds(10), false);
        } catch (IOException e) {
            display.close();
            throw e;
        }
        this.sink = started;
    }

    /** One recording's timings, and its file. */
    record Run(Path file, Duration browserUp, Duration pageLoaded, Duration firstFrame, Duration teardown) {
    }

    /** The running part of one recording, between its first frame and its end. */
    final class Session implements AutoCloseable {
        private final Path profile;
        private final ChromeDriverService service;
        private final ChromeDriver driver;
        private final ChildProcess encoder;
        private final Path file;
        private final Duration browserUp;
        private final Duration pageLoaded;
        private final Duration firstFrame;
        private Run run;

        private Session(Path profile, ChromeDriverService service, ChromeDriver driver,
                        ChildProcess encoder, Path file, Duration browserUp, Duration pageLoaded, Duration firstFrame) {
            this.profile = profile;
            this.service = service;
            this.driver = driver;
            this.encoder = encoder;
            this.file = file;
            this.browserUp = browserUp;
            this.pageLoaded = pageLoaded;
            this.firstFrame = firstFrame;
        }

        Duration firstFrame() {
            return firstFrame;
        }

        Duration browserUp() {
            return browserUp;
        }

        Duration pageLoaded() {
            return pageLoaded;
        }

        /** The demo page's running count of animation frames. */
        Supplier<OptionalDouble> frameCounter() {
            return () -> ObservedPage.frames(() -> driver.executeScript(ObservedPage.framesScript()));
        }

        /** Jibri's stop: SIGINT to FFmpeg (so the MP4 gets its index), wait, then quit the browser. */
        Run stop() throws IOException, InterruptedException {
            if (run != null) {
                return run;
            }
            long stopping = System.nanoTime();
            new ProcessBuilder("kill", "-INT", Long.toString(encoder.pid())).start().waitFor();
            try {
                encoder.exit().get(FFMPEG_STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                encoder.stop(Duration.ofSeconds(1));
            }
            quitBrowser(service, driver, profile);
            run = new Run(file, browserUp, pageLoaded, firstFrame, Duration.ofNanos(System.nanoTime() - stopping));
            return run;
        }

        @Override
        public void close() throws IOException, InterruptedException {
            stop();
        }
    }

    /**
     * Starts one recording from nothing and returns once FFmpeg reports its first frame (the moment Jibri tells
     * Jicofo the recording is on).
     */
    Session start(URI page) throws IOException {
        long requestedAt = System.nanoTime();
        int number = ++recordings;
        Path profile = Files.createTempDirectory(work, "chrome-profile-");
        Map<String, String> environment = new HashMap<>(sink.clientEnvironment());
        environment.put("DISPLAY", display.name());
        environment.put("HOME", work.toString());
        // chromedriver dies with this JVM (as Capstan's does), so an aborted bench leaves no browser behind.
        ChromeDriverService service = Browser.startDriverService(chromedriver, environment, Optional.empty());
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, jibriOptions(chromium, profile));
        } catch (RuntimeException e) {
            service.stop();
            deleteRecursively(profile);
            throw new IOException("Chromium did not start: " + e.getMessage(), e);
        }
        Duration browserUp = since(requestedAt);
        ChildProcess encoder = null;
        try {
            driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
            driver.get(page.toString());
            Duration pageLoaded = since(requestedAt);
            Path file = work.resolve("jibri-style-" + number + ".mp4");
            CompletableFuture<Duration> firstFrame = new CompletableFuture<>();
            List<String> errors = new ArrayList<>();
            encoder = ChildProcess.start(ChildProcess.Spec.of("ffmpeg", command(file))
                    .withDeathSignal("INT")
                    .onStderr(line -> {
                        Matcher stats = STATS_LINE.matcher(line.trim());
                        if (stats.find()) {
                            if (Long.parseLong(stats.group(1)) > 0) {
                                firstFrame.complete(since(requestedAt));
                            }
                        } else if (errors.size() < 50) {
                            errors.add(line);
                        }
                    }));
            ChildProcess started = encoder;
            started.exit().thenRun(() -> firstFrame.completeExceptionally(
                    new IOException("ffmpeg exited before its first frame: " + String.join(" | ", errors))));
            Duration first = firstFrame.get(20, TimeUnit.SECONDS);
            return new Session(profile, service, driver, encoder, file, browserUp, pageLoaded, first);
        } catch (Exception e) {
            if (encoder != null) {
                encoder.stop(Duration.ofSeconds(2));
            }
            quitBrowser(service, driver, profile);
            throw new IOException("Jibri-style recording did not start: " + e.getMessage(), e);
        }
    }

    /** Jibri's default file-recording command (jibri.md §4.2) at 1280x720, with pulse for docker's Jibri. */
    List<String> command(Path file) {
        List<String> args = new ArrayList<>(List.of(ffmpeg.toString(), "-y", "-v", "info",
                "-stats_period", Double.toString(statsPeriodSeconds),
                "-f", "x11grab", "-draw_mouse", "0", "-r", "30", "-s", WIDTH + "x" + HEIGHT,
                "-thread_queue_size", "4096", "-i", display.name() + ".0+0,0",
                "-f", "pulse", "-server", sink.server()));
        if (pulseFragmentSize) {
            args.addAll(List.of("-fragment_size", "4096"));
        }
        args.addAll(List.of("-thread_queue_size", "4096", "-i", sink.monitorSource()));
        args.addAll(outputArguments(file));
        return args;
    }

    /** Jibri's encoding and output, everything after the inputs (input 0 is the picture, input 1 the sound). */
    static List<String> outputArguments(Path file) {
        return List.of(
                "-acodec", "aac", "-strict", "-2", "-ar", "44100", "-b:a", "128k", "-af", "aresample=async=1",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-r", "30", "-crf", "25",
                "-preset", "ultrafast", "-profile:v", "main", "-level", "3.1", "-timestamp", "now",
                "-f", "mp4", file.toString());
    }

    /**
     * Jibri's Chrome flags (jibri.md §3.1) and what running as root here needs. Jibri's icewm maximises the
     * window to the screen; with no window manager, position and size stand in for it (a W x H window comes out
     * a pixel short, hence W+1 x H+1).
     */
    private static ChromeOptions jibriOptions(Path chromium, Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(chromium.toFile());
        options.addArguments(
                "--use-fake-ui-for-media-stream", "--start-maximized", "--kiosk", "--enabled",
                "--autoplay-policy=no-user-gesture-required",
                "--no-sandbox",
                "--window-position=0,0", "--window-size=" + (WIDTH + 1) + "," + (HEIGHT + 1),
                "--user-data-dir=" + profile);
        // Jibri leaves Selenium's automation infobar on; it would cover the demo page's sync marker, and the
        // recordings could not be checked the same way as Capstan's. It costs nothing either way.
        options.setExperimentalOption("excludeSwitches", List.of("enable-automation"));
        return options;
    }

    private static void quitBrowser(ChromeDriverService service, ChromeDriver driver, Path profile) {
        try {
            driver.quit();
        } catch (RuntimeException e) {
            // Already gone; the service stop below ends chromedriver regardless.
        } finally {
            service.stop();
            deleteRecursively(profile);
        }
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }

    private static void deleteRecursively(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // Best effort: it is under the bench's work directory.
        }
    }

    @Override
    public void close() {
        sink.close();
        display.close();
    }
}
