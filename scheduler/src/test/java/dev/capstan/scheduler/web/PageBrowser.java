package dev.capstan.scheduler.web;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** A headless Chromium to use the application's pages as a person would: media may play, muted. */
public final class PageBrowser {

    private PageBrowser() {
    }

    /** A new browser; the caller quits it. */
    public static ChromeDriver open() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/lib/chromium/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--mute-audio",
                "--autoplay-policy=no-user-gesture-required", "--window-size=1280,900");
        return new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(new File("/usr/bin/chromedriver")).build(), options);
    }

    /** Waits until {@code probe} gives a value (not null; a missing element counts as none yet). */
    public static <T> T within(Duration limit, String what, Supplier<T> probe) {
        return await(what).atMost(limit).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                .ignoreException(NoSuchElementException.class)
                .until(probe::get, Objects::nonNull);
    }
}
