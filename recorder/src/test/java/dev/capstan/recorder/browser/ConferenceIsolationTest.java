package dev.capstan.recorder.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.recorder.capture.FfmpegBinary;
import dev.capstan.recorder.fixture.Leftovers;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.slot.AudioSink;
import dev.capstan.recorder.slot.Display;
import dev.capstan.recorder.slot.SlotConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A warm browser records many conferences, usually on the same Jitsi server: after {@link Browser#reset()} the next
 * conference, on the same origin, finds nothing the previous one stored, and the blank page fills the display.
 * Real Xvfb, PulseAudio and Chromium; one browser for the whole class.
 */
@Tag("media")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConferenceIsolationTest {

    private static final SlotConfig CONFIG = SlotConfig.defaults();
    private static final int WIDTH = CONFIG.profile().width();
    private static final int HEIGHT = CONFIG.profile().height();

    private PageServer pages;
    private Display display;
    private AudioSink sink;
    private Browser browser;

    @BeforeAll
    void startBrowser(@TempDir Path runtime) throws IOException {
        pages = PageServer.start();
        display = Display.start(CONFIG.xvfb(), CONFIG.displayNumber(), WIDTH, HEIGHT, Duration.ofSeconds(10));
        sink = AudioSink.start(CONFIG.pulseaudio(), runtime.resolve("pulse"), Duration.ofSeconds(10));
        Map<String, String> environment = new HashMap<>(sink.clientEnvironment());
        environment.put("DISPLAY", display.name());
        environment.put("HOME", runtime.toString());
        browser = Browser.launch(new Browser.Options(CONFIG.chromium(), CONFIG.chromedriver(), WIDTH, HEIGHT,
                runtime.resolve("profile"), environment, Duration.ofSeconds(10), List.of()));
    }

    @AfterAll
    void stopBrowser() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {browser, sink, display, pages}) {
            if (part != null) {
                part.close();
            }
        }
        assertThat(Leftovers.processes()).as("processes left running").isEmpty();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void nothingOfOneConferenceIsVisibleToTheNextOnTheSameOrigin() throws Exception {
        browser.reset();
        int servedBefore = pages.cachedServed();

        // Conference A stores something of every kind.
        browser.open(pages.leakWriting());
        assertThat(browser.script("return window.written")).isEqualTo("written");
        String context = String.valueOf(((Map<?, ?>) browser.pageCommand("Target.getTargetInfo", Map.of())
                .get("targetInfo")).get("browserContextId"));
        browser.pageCommand("Browser.grantPermissions", Map.of("origin", pages.origin().toString(),
                "permissions", List.of("geolocation"), "browserContextId", context));
        browser.pageCommand("Network.setCookie", Map.of("name", "leak-elsewhere", "value", "A",
                "domain", "elsewhere.example", "path", "/"));

        // Without a reset, the reading page does find all of it: the detection works.
        long opening = System.nanoTime();
        browser.open(pages.leakReading());
        Duration openWithinA = Duration.ofNanos(System.nanoTime() - opening);
        Map<String, Object> inA = found();
        System.out.println("conference A finds " + inA + ", cookies " + allCookies());
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(inA.get("cookie")).as("A's cookie, seen by A").asString().contains("leak=A");
            soft.assertThat(pages.cookiesSentToReading()).as("A's cookies, sent by A")
                    .contains("leak=A").contains("leak-http=A");
            soft.assertThat(allCookies()).as("A's cookies on all domains, seen by A")
                    .contains("leak", "leak-http", "leak-elsewhere");
            soft.assertThat(inA.get("localStorage")).as("A's localStorage, seen by A").isEqualTo("A");
            soft.assertThat(inA.get("sessionStorage")).as("A's sessionStorage, seen by A").isEqualTo("A");
            soft.assertThat(inA.get("windowName")).as("A's window.name, seen by A").isEqualTo("leak-A");
            soft.assertThat(inA.get("indexedDB")).as("A's IndexedDB, seen by A").isEqualTo(true);
            soft.assertThat(inA.get("cacheStorage")).as("A's Cache Storage, seen by A").isEqualTo(true);
            soft.assertThat(inA.get("serviceWorker")).as("A's service worker, seen by A").isEqualTo(true);
            soft.assertThat(inA.get("geolocation")).as("A's granted permission, seen by A").isEqualTo("granted");
            soft.assertThat(pages.cachedServed()).as("A's second fetch came from the HTTP cache")
                    .isEqualTo(servedBefore + 1);
        });

        long resetting = System.nanoTime();
        browser.reset();
        Duration reset = Duration.ofNanos(System.nanoTime() - resetting);
        assertFillsTheDisplay();

        // Conference B, on the same origin, finds none of it.
        opening = System.nanoTime();
        browser.open(pages.leakReading());
        Duration openAfterReset = Duration.ofNanos(System.nanoTime() - opening);
        Map<String, Object> inB = found();
        System.out.println("conference B finds " + inB + ", cookies " + allCookies());
        System.out.printf("reset %d ms; open within A %d ms, open after reset %d ms%n",
                reset.toMillis(), openWithinA.toMillis(), openAfterReset.toMillis());
        SoftAssertions.assertSoftly(soft -> {
            soft.assertThat(inB.get("cookie")).as("A's cookie, seen by B").isEqualTo("");
            soft.assertThat(pages.cookiesSentToReading()).as("A's cookies, sent by B").isEmpty();
            soft.assertThat(allCookies()).as("A's cookies on all domains, seen by B").isEmpty();
            soft.assertThat(inB.get("localStorage")).as("A's localStorage, seen by B").isEqualTo("");
            soft.assertThat(inB.get("sessionStorage")).as("A's sessionStorage, seen by B").isEqualTo("");
            soft.assertThat(inB.get("windowName")).as("A's window.name, seen by B").isEqualTo("");
            soft.assertThat(inB.get("indexedDB")).as("A's IndexedDB, seen by B").isEqualTo(false);
            soft.assertThat(inB.get("cacheStorage")).as("A's Cache Storage, seen by B").isEqualTo(false);
            soft.assertThat(inB.get("serviceWorker")).as("A's service worker, seen by B").isEqualTo(false);
            soft.assertThat(inB.get("geolocation")).as("A's granted permission, seen by B").isEqualTo("prompt");
            soft.assertThat(pages.cachedServed()).as("B fetched the cacheable resource from the server again")
                    .isEqualTo(servedBefore + 2);
            soft.assertThat((Long) inB.get("historyLength")).as("A's history, seen by B (blank page and this one)")
                    .isLessThanOrEqualTo(2L).isLessThan((Long) inA.get("historyLength"));
            soft.assertThat(reset).as("reset time").isLessThan(Duration.ofMillis(1500));
        });
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aBrowserWithoutItsConferenceWindowIsNotResponsiveUntilReset() throws Exception {
        browser.reset();
        assertThat(browser.isResponsive()).as("responsive on a fresh blank page").isTrue();

        // A page with a single history entry may close its own window.
        browser.script("window.close()");
        await("the browser not responsive without its conference window").atMost(Duration.ofSeconds(5))
                .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50)).until(() -> !browser.isResponsive());

        browser.reset();
        assertThat(browser.isResponsive()).as("responsive after a reset").isTrue();
        assertFillsTheDisplay();
        browser.open(pages.demo());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> found() {
        Map<String, Object> found = (Map<String, Object>) browser.script("return window.found");
        assertThat(found).as("the reading page's findings").doesNotContainKey("failed");
        return found;
    }

    /** Names of every cookie of the current conference, whatever its domain. */
    private List<String> allCookies() {
        return ((List<?>) browser.pageCommand("Network.getAllCookies", Map.of()).get("cookies")).stream()
                .map(cookie -> String.valueOf(((Map<?, ?>) cookie).get("name")))
                .toList();
    }

    /** The page covers the whole display: by its own measure, and on the screen as FFmpeg grabs it. */
    private void assertFillsTheDisplay() throws Exception {
        List<?> geometry = (List<?>) browser.script(
                "return [screenX, screenY, innerWidth, innerHeight, matchMedia('(display-mode: fullscreen)').matches]");
        System.out.println("window at " + geometry.get(0) + "," + geometry.get(1) + ", viewport "
                + geometry.get(2) + "x" + geometry.get(3) + ", full screen " + geometry.get(4));
        assertThat(((Number) geometry.get(0)).intValue()).as("window left edge").isZero();
        assertThat(((Number) geometry.get(1)).intValue()).as("window top edge").isZero();
        assertThat(((Number) geometry.get(2)).intValue()).as("viewport width").isGreaterThanOrEqualTo(WIDTH);
        assertThat(((Number) geometry.get(3)).intValue()).as("viewport height").isGreaterThanOrEqualTo(HEIGHT);

        browser.script("document.documentElement.style.background = 'rgb(255, 0, 255)'");
        Thread.sleep(200);
        byte[] screen = grabScreen();
        int other = 0;
        for (int i = 0; i + 2 < screen.length; i += 3) {
            if ((screen[i] & 0xff) != 255 || screen[i + 1] != 0 || (screen[i + 2] & 0xff) != 255) {
                other++;
            }
        }
        assertThat(screen).as("one RGB frame of the display").hasSize(WIDTH * HEIGHT * 3);
        assertThat(other).as("pixels on the display not painted by the page (browser UI, border, other window)")
                .isZero();
    }

    private byte[] grabScreen() throws Exception {
        Process ffmpeg = new ProcessBuilder(FfmpegBinary.bundled().toString(), "-loglevel", "error",
                "-f", "x11grab", "-video_size", WIDTH + "x" + HEIGHT, "-i", display.name(),
                "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] frame = ffmpeg.getInputStream().readAllBytes();
        assertThat(ffmpeg.waitFor(10, TimeUnit.SECONDS)).as("ffmpeg finished").isTrue();
        return frame;
    }
}
