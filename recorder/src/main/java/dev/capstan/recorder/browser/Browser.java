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
import java.util.List;
import java.util.Map;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chromium, driven through Selenium and Debian's chromedriver, drawing on a slot's display and playing into its sink. */
public final class Browser implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Browser.class);

    private final ChromeDriverService service;
    private final ChromeDriver driver;
    private final Options options;

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

    private Browser(ChromeDriverService service, ChromeDriver driver, Options options) {
        this.service = service;
        this.driver = driver;
        this.options = options;
    }

    public static Browser launch(Options options) throws IOException {
        requireExecutable("chromium", options.chromium());
        requireExecutable("chromedriver", options.chromedriver());
        Files.createDirectories(options.profileDirectory());
        // chromedriver too must die with the JVM; once it is gone Chromium loses its display and exits.
        List<String> launch = ChildProcess.dyingWithJvm("KILL", List.of(options.chromedriver().toString()));
        ChromeDriverService service = new LaunchedThrough(launch.subList(1, launch.size()))
                .usingDriverExecutable(new File(launch.get(0)))
                .usingAnyFreePort()
                .withEnvironment(options.environment())
                .withLogFile(options.profileDirectory().resolveSibling("chromedriver.log").toFile())
                .build();
        try {
            ChildProcess.onLauncherThread(() -> {
                service.start();
                return null;
            });
            ChromeDriver driver = new ChromeDriver(service, chromeOptions(options));
            driver.manage().timeouts().pageLoadTimeout(options.pageLoadTimeout());
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
            return new Browser(service, driver, options);
        } catch (WebDriverException e) {
            service.stop();
            throw new IOException("Chromium did not start: " + firstLine(e), e);
        }
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

    /** Leaves the current page, so that nothing of it keeps playing or rendering. */
    public void blank() {
        driver.get("about:blank");
    }

    /** True if the browser still answers. */
    public boolean isResponsive() {
        try {
            driver.getWindowHandle();
            return true;
        } catch (WebDriverException e) {
            return false;
        }
    }

    private static String firstLine(Exception e) {
        String message = String.valueOf(e.getMessage());
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } catch (WebDriverException e) {
            log.debug("quit failed: {}", firstLine(e));
        } finally {
            service.stop();
        }
    }
}
