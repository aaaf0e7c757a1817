package dev.capstan.recorder.node;

import java.time.Duration;

/**
 * A moving average over time: each reading moves it by {@code 1 - e^(-elapsed/window)} of the way, so a swing much
 * shorter than the window barely moves it however often it is read. Not thread-safe: its owner guards it.
 */
final class MovingAverage {

    private final double windowSeconds;
    private double value = Double.NaN;
    private long at;

    MovingAverage(Duration window) {
        this.windowSeconds = window.toNanos() / 1e9;
    }

    /** Takes a reading made at {@code nanos}; the first one is the average. */
    void add(long nanos, double reading) {
        if (Double.isNaN(value)) {
            value = reading;
        } else {
            double seconds = Math.max(0, (nanos - at) / 1e9);
            value += (1 - Math.exp(-seconds / windowSeconds)) * (reading - value);
        }
        at = nanos;
    }

    boolean isEmpty() {
        return Double.isNaN(value);
    }

    /** The average; 0 before the first reading. */
    double value() {
        return isEmpty() ? 0 : value;
    }
}
