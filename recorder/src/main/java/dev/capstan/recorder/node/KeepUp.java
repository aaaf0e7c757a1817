package dev.capstan.recorder.node;

import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.capture.RateWindow;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Whether one recording keeps up with real time, over a recent window: its encoder's speed, and the frames it
 * delivers (duplicates left out) against its target frame rate. Capture that drops frames at the source when the
 * host is short of CPU keeps the speed near 1 while fewer frames arrive, so speed alone would not show overload.
 * Not thread-safe: its load monitor guards it.
 */
final class KeepUp {

    private final RateWindow encoded;
    private final RateWindow delivered;
    private final Duration window;
    private final int targetFps;
    private final double minSpeed;
    private final double minFpsShare;

    KeepUp(Duration window, int targetFps, double minSpeed, double minFpsShare) {
        this.encoded = new RateWindow(window);
        this.delivered = new RateWindow(window);
        this.window = window;
        this.targetFps = targetFps;
        this.minSpeed = minSpeed;
        this.minFpsShare = minFpsShare;
    }

    void add(long nanos, CaptureProgress progress) {
        encoded.add(nanos, progress.recorded().toNanos() / 1e9);
        delivered.add(nanos, Math.max(0, progress.frames() - progress.duplicatedFrames()));
    }

    /** Seconds encoded per second over the window; empty until the window is full. */
    OptionalDouble speed() {
        return encoded.rate();
    }

    /** Frames captured per second, duplicates left out, over the window; empty until the window is full. */
    OptionalDouble deliveredFps() {
        return delivered.rate();
    }

    /** Why it falls behind, if it does. */
    Optional<String> behind() {
        OptionalDouble speed = speed();
        if (speed.isPresent() && speed.getAsDouble() < minSpeed) {
            return Optional.of(String.format(Locale.ROOT, "encodes at %.3fx real time over the last %d s",
                    speed.getAsDouble(), window.toSeconds()));
        }
        OptionalDouble fps = deliveredFps();
        if (fps.isPresent() && fps.getAsDouble() < minFpsShare * targetFps) {
            return Optional.of(String.format(Locale.ROOT, "delivers %.1f of %d fps over the last %d s",
                    fps.getAsDouble(), targetFps, window.toSeconds()));
        }
        return Optional.empty();
    }
}
