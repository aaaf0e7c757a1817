package dev.capstan.recorder.browser;

import dev.capstan.recorder.process.ChildProcess;
import dev.capstan.recorder.process.MissingExecutableException;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.chromium.ChromiumDriverLogLevel;
import org.openqa.selenium.devtools.Command;
import org.openqa.selenium.devtools.Connection;
import org.openqa.selenium.devtools.SeleniumCdpConnection;
import org.openqa.selenium.json.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chromium, driven through Selenium and Debian's chromedriver, drawing on a slot's display and playing into its sink.
 * Each conference runs in a browser context of its own (like an incognito window), which {@link #reset()} throws
 * away with everything the pages stored, so that a warm browser carries nothing from one conference to the next.
 */
public final class Browser implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Browser.class);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PING_TIMEOUT = Duration.ofSeconds(5);

    private final ChromeDriverService service;
    private final ChromeDriver driver;
    /** A DevTools session on the browser itself: chromedriver's page session may not create or dispose contexts. */
    private final Connection browserSession;
    private final Options options;
    /** The browser context the current conference runs in; only {@link #reset()} changes it. */
    private String conferenceContext;

    /** Where the binaries are and how the window must look. */
    public record Options(
            Path chromium,
            Path chromedriver,
            int width,
            int height,
            Path profileDirectory,
            Map<String, String> environment,
            Duration pageLoadTimeout,
            List<String> extraFlags) {

        public Options {
            environment = Map.copyOf(environment);
            extraFlags = List.copyOf(extraFlags);
        }
    }

    private Browser(ChromeDriverService service, ChromeDriver driver, Connection browserSession, Options options) {
        this.service = service;
        this.driver = driver;
        this.browserSession = browserSession;
        this.options = options;
    }

    /** Starts the browser, ready to {@link #open} the first conference in a fresh context. */
    public static Browser launch(Options options) throws IOException {
        requireExecutable("chromium", options.chromium());
        requireExecutable("chromedriver", options.chromedriver());
        Files.createDirectories(options.profileDirectory());
        ChromeDriverService service = startDriverService(options.chromedriver(), options.environment(),
                Optional.of(options.profileDirectory().resolveSibling("chromedriver.log")));
        try {
            ChromeDriver driver = new ChromeDriver(service, chromeOptions(options));
            try {
                driver.manage().timeouts().pageLoadTimeout(options.pageLoadTimeout());
                driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
                // The first tab stays as the home that keeps the browser open between conferences; it stores nothing.
                driver.get("about:blank");
                Connection browserSession = SeleniumCdpConnection.create(driver)
                        .orElseThrow(() -> new WebDriverException("chromedriver reported no DevTools address"));
                Browser browser = new Browser(service, driver, browserSession, options);
                try {
                    browser.reset();
                } catch (WebDriverException e) {
                    browserSession.close();
                    throw e;
                }
                return browser;
            } catch (WebDriverException e) {
                driver.quit();
                throw e;
            }
        } catch (WebDriverException e) {
            service.stop();
            throw new IOException("Chromium did not start: " + firstLine(e), e);
        }
    }

    /**
     * Starts chromedriver on a free port, forked on the launcher thread so that it dies with this JVM; once it is
     * gone, Chromium loses its display and exits. Only warnings and errors reach the log: at chromedriver's default
     * level with a log file (INFO) every command is logged with its parameters, among them the addresses opened and
     * the scripts' arguments, which carry the recorder's login.
     *
     * @throws IOException if chromedriver does not come up
     */
    public static ChromeDriverService startDriverService(Path chromedriver, Map<String, String> environment,
                                                        Optional<Path> logFile) throws IOException {
        List<String> launch = ChildProcess.dyingWithJvm("KILL", List.of(chromedriver.toString()));
        ChromeDriverService.Builder builder = new LaunchedThrough(launch.subList(1, launch.size()))
                .usingDriverExecutable(new File(launch.get(0)))
                .usingAnyFreePort()
                .withEnvironment(environment)
                .withLogLevel(ChromiumDriverLogLevel.WARNING);
        logFile.ifPresent(path -> builder.withLogFile(path.toFile()));
        ChromeDriverService service = builder.build();
        try {
            ChildProcess.onLauncherThread(() -> {
                service.start();
                return null;
            });
        } catch (WebDriverException e) {
            service.stop();
            throw new IOException("Chromium did not start: " + firstLine(e), e);
        }
        return service;
    }

    /** Runs chromedriver through a launcher such as setpriv: the launcher is the executable, these arguments come first. */
    private static final class LaunchedThrough extends ChromeDriverService.Builder {

        private final List<String> leadingArguments;

        LaunchedThrough(List<String> leadingArguments) {
            this.leadingArguments = List.copyOf(leadingArguments);
        }

        @Override
        protected List<String> createArgs() {
            List<String> args = new ArrayList<>(leadingArguments);
            args.addAll(super.createArgs());
            return args;
        }
    }

    private static void requireExecutable(String program, Path path) throws MissingExecutableException {
        if (!Files.isExecutable(path)) {
            throw new MissingExecutableException(program, path);
        }
    }

    private static ChromeOptions chromeOptions(Options options) {
        ChromeOptions chrome = new ChromeOptions();
        chrome.setBinary(options.chromium().toFile());
        List<String> flags = new ArrayList<>(List.of(
                "--no-sandbox",
                "--disable-gpu",
                // Without these the closed network is hammered with refused connections at every start.
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-features=Translate,MediaRouter,OptimizationHints",
                "--no-first-run",
                "--no-default-browser-check",
                "--password-store=basic",
                "--noerrdialogs",
                "--hide-scrollbars",
                "--autoplay-policy=no-user-gesture-required",
                // With no window manager Chromium may think its window is hidden and stop animating the page.
                "--disable-renderer-backgrounding",
                "--disable-background-timer-throttling",
                "--disable-backgrounding-occluded-windows",
                "--use-fake-ui-for-media-stream",
                "--kiosk",
                "--window-position=0,0",
                // Without a window manager a W x H window comes out one pixel short, leaving a black border.
                "--window-size=" + (options.width() + 1) + "," + (options.height() + 1),
                "--user-data-dir=" + options.profileDirectory()));
        flags.addAll(options.extraFlags());
        chrome.addArguments(flags);
        chrome.setExperimentalOption("excludeSwitches", List.of("enable-automation"));
        return chrome;
    }

    /**
     * Loads a page and waits for it to finish loading.
     *
     * @throws NavigationException if the page cannot be reached or does not finish loading in time
     */
    public void open(URI address) throws NavigationException {
        try {
            driver.get(address.toString());
        } catch (TimeoutException e) {
            stopLoading();
            throw new NavigationException(NavigationException.Problem.TIMEOUT,
                    address + " did not finish loading within " + options.pageLoadTimeout().toSeconds() + " s");
        } catch (WebDriverException e) {
            throw new NavigationException(NavigationException.Problem.UNREACHABLE,
                    address + " could not be opened: " + firstLine(e));
        }
        // Chromium shows its own error page rather than failing the navigation.
        String landed = String.valueOf(script("return location.href"));
        if (landed.startsWith("chrome-error:")) {
            String reason = String.valueOf(script(
                    "var e = document.querySelector('.error-code'); return e ? e.textContent : document.title"));
            throw new NavigationException(NavigationException.Problem.UNREACHABLE,
                    address + " is unreachable (" + reason.trim() + ")");
        }
    }

    private void stopLoading() {
        try {
            driver.get("about:blank");
        } catch (WebDriverException ignored) {
            log.debug("could not leave a page that did not load");
        }
    }

    /** Runs a script in the current page and returns its result. */
    public Object script(String javascript, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(javascript, args);
    }

    /**
     * Runs a script that answers later, by calling its last argument (within the driver's 10-s script timeout), and
     * returns that answer.
     */
    public Object asyncScript(String javascript, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(javascript, args);
    }

    /**
     * Ends the current conference and leaves a blank full-screen page for the next one. The next conference gets a
     * new browser context; the old one is disposed of with its windows and everything its pages stored: cookies,
     * local and session storage, IndexedDB, Cache Storage, service workers, HTTP cache, granted permissions,
     * history and window.name. Takes a few hundred milliseconds.
     */
    public synchronized void reset() {
        // The old context goes first: a meeting still playing in it would slow the new window down.
        if (conferenceContext != null) {
            disposeContext(conferenceContext);
            conferenceContext = null;
        }
        conferenceContext = openConferenceWindow();
    }

    /**
     * Puts a blank tab over the conference page in its window. The page is then hidden: Chromium no longer paints
     * or composites it (no frames for a display nobody grabs), while it goes on running and playing its sound, and
     * the driver keeps working in it. For a recording that keeps only the sound; the tab goes with the conference's
     * context at the next {@link #reset}.
     */
    public synchronized void coverConference() {
        browserCommand("Target.createTarget", Map.of("url", "about:blank", "browserContextId", conferenceContext),
                COMMAND_TIMEOUT);
    }

    /** Creates a context with a blank full-screen window and makes it the window the driver works in. */
    private String openConferenceWindow() {
        // Disposed of by Chromium too if this session ends, so that no conference outlives its Browser object.
        String context = String.valueOf(browserCommand("Target.createBrowserContext",
                Map.of("disposeOnDetach", true), COMMAND_TIMEOUT).get("browserContextId"));
        try {
            // Only the first window gets --kiosk's full screen; without a window manager the newest window is on top.
            String window = String.valueOf(browserCommand("Target.createTarget", Map.of(
                    "url", "about:blank",
                    "browserContextId", context,
                    "newWindow", true,
                    "windowState", "fullscreen"), COMMAND_TIMEOUT).get("targetId"));
            driver.switchTo().window(window);
            return context;
        } catch (WebDriverException e) {
            try {
                disposeContext(context);
            } catch (WebDriverException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            throw e;
        }
    }

    private void disposeContext(String context) {
        try {
            browserCommand("Target.disposeBrowserContext", Map.of("browserContextId", context), COMMAND_TIMEOUT);
        } catch (WebDriverException e) {
            // Not worth retrying: a browser that cannot drop a conference's data is not fit for the next one.
            throw new WebDriverException("could not dispose of browser context " + context + ": " + firstLine(e), e);
        }
    }

    private Map<String, Object> browserCommand(String method, Map<String, Object> params, Duration timeout) {
        return browserSession.sendAndWait(null, new Command<Map<String, Object>>(method, params, Json.MAP_TYPE), timeout);
    }

    /** Runs a DevTools command in the current page's session, as chromedriver offers it; for tests. */
    Map<String, Object> pageCommand(String method, Map<String, Object> params) {
        return driver.executeCdpCommand(method, params);
    }

    /** True if the conference window still exists and the browser answers both the driver and DevTools. */
    public boolean isResponsive() {
        try {
            driver.getWindowHandle();
            browserCommand("Browser.getVersion", Map.of(), PING_TIMEOUT);
            return true;
        } catch (WebDriverException | IllegalStateException e) {
            return false;
        }
    }

    /** The chromedriver process; every Chromium process of this browser runs below it. */
    public Optional<ProcessHandle> driverProcess() {
        String portArgument = "--port=" + service.getUrl().getPort();
        return ProcessHandle.current().children()
                .filter(child -> child.info().arguments()
                        .map(arguments -> Arrays.asList(arguments).contains(portArgument)).orElse(false))
                .findFirst();
    }

    /** The first line of a Selenium message; the rest is build and system information, logged nowhere useful. */
    public static String firstLine(Exception e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    @Override
    public void close() {
        try {
            browserSession.close();
        } catch (RuntimeException e) {
            log.debug("DevTools session did not close cleanly: {}", firstLine(e));
        }
        Optional<ProcessHandle> driverProcess = driverProcess();
        List<ProcessHandle> browserProcesses = driverProcess.map(p -> p.descendants().toList()).orElse(List.of());
        try {
            driver.quit();
        } catch (WebDriverException e) {
            log.debug("quit failed: {}", firstLine(e));
        } finally {
            service.stop();
            // A browser that stopped answering may leave chromedriver or Chromium behind; nothing may outlive close.
            driverProcess.filter(ProcessHandle::isAlive).ifPresent(ProcessHandle::destroyForcibly);
            browserProcesses.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
    }
}
