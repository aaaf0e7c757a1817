package dev.capstan.recorder.capture;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalDouble;

/**
 * The rate of a growing count (CPU ticks, seconds encoded) over the most recent window of samples. Cumulative
 * figures such as FFmpeg's own {@code speed} hide a recent slowdown behind a good start; a window does not.
 */
public final class RateWindow {

    private record Sample(long nanos, double value) {
    }

    private final long windowNanos;
    private final Deque<Sample> samples = new ArrayDeque<>();

    public RateWindow(java.time.Duration window) {
        this.windowNanos = window.toNanos();
    }

    public void add(long nanos, double value) {
        samples.addLast(new Sample(nanos, value));
        // Keep the newest sample that is at least a full window old, so the rate spans the whole window.
        while (samples.size() > 2 && nanos - secondOldest().nanos >= windowNanos) {
            samples.removeFirst();
        }
    }

    private Sample secondOldest() {
        var iterator = samples.iterator();
        iterator.next();
        return iterator.next();
    }

    /** Change per second over the window; empty until the samples span a full window. */
    public OptionalDouble rate() {
        if (samples.size() < 2) {
            return OptionalDouble.empty();
        }
        Sample first = samples.getFirst();
        Sample last = samples.getLast();
        long span = last.nanos - first.nanos;
        if (span < windowNanos) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(Math.max(0, last.value - first.value) / (span / 1e9));
    }
}
