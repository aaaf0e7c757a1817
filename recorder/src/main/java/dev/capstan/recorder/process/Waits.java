package dev.capstan.recorder.process;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polling for a condition that has no event to wait on (a socket file appearing, a page state). */
public final class Waits {

    private Waits() {
    }

    /** True once the condition holds; false if it did not within the timeout. */
    public static boolean until(BooleanSupplier condition, Duration timeout, Duration interval) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(interval.toMillis());
        }
    }
}
