package dev.capstan.storage.archive;

import java.time.Duration;
import java.util.Objects;

/**
 * Media a recording lacks, and why: stored with a PARTIAL recording (and with a FAILED one when the time it was on
 * is known).
 *
 * @param cause why the media is missing
 * @param lost  how much is missing (never negative; zero when the file holds all it could, yet the recording ended
 *              early for {@code cause})
 */
public record MediaLoss(LossCause cause, Duration lost) {

    public MediaLoss {
        Objects.requireNonNull(cause, "cause");
        Objects.requireNonNull(lost, "lost");
        if (lost.isNegative()) {
            throw new IllegalArgumentException("lost media cannot be negative: " + lost);
        }
    }

    /** {@code lost} in seconds, to the millisecond, as the API and webhooks show it. */
    public double lostSeconds() {
        return lost.toMillis() / 1000.0;
    }
}
