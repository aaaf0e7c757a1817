package dev.capstan.recorder.bench;

import dev.capstan.recorder.browser.Browser;
import dev.capstan.recorder.browser.MeetingPage;
import dev.capstan.recorder.browser.NavigationException;
import java.net.URI;
import java.util.OptionalDouble;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The demo page as a slot records it, keeping hold of the browser that opened it so the bench can ask the page
 * how often it renders: the demo meeting draws once per requestAnimationFrame and counts its frames.
 */
final class ObservedPage implements MeetingPage {

    private static final String FRAMES = "return window.capstanDemo ? window.capstanDemo.frames() : -1";

    private final URI address;
    private final AtomicReference<Browser> browser = new AtomicReference<>();

    ObservedPage(URI address) {
        this.address = address;
    }

    @Override
    public URI address() {
        return address;
    }

    @Override
    public void join(Browser into) throws NavigationException {
        into.open(address);
        browser.set(into);
    }

    /** A running count of the page's animation frames, or empty before the page is open. */
    Supplier<OptionalDouble> frameCounter() {
        return () -> {
            Browser current = browser.get();
            return current == null ? OptionalDouble.empty() : frames(() -> current.script(FRAMES));
        };
    }

    /** Reads the demo page's frame counter through whatever runs scripts in it. */
    static OptionalDouble frames(Supplier<Object> script) {
        try {
            Object value = script.get();
            return value instanceof Number number && number.doubleValue() >= 0
                    ? OptionalDouble.of(number.doubleValue()) : OptionalDouble.empty();
        } catch (RuntimeException e) {
            return OptionalDouble.empty();
        }
    }

    /** Frames rendered per second between two readings of the counter, or NaN if either could not be read. */
    static double renderedFps(OptionalDouble from, long fromNanos, OptionalDouble to, long toNanos) {
        return from.isPresent() && to.isPresent()
                ? (to.getAsDouble() - from.getAsDouble()) / ((toNanos - fromNanos) / 1e9) : Double.NaN;
    }

    static String framesScript() {
        return FRAMES;
    }
}
