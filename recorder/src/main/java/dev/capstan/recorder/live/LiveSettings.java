package dev.capstan.recorder.live;

import java.time.Duration;

/**
 * How live streams are encoded and kept up.
 *
 * @param maxBitrateKbps the encoder's peak rate while streaming (Jibri's {@code -maxrate 2976k})
 * @param bufferKbits    its rate-control buffer (Jibri's {@code -bufsize 5952k})
 * @param firstRetry     the wait before the first reconnection; it doubles up to {@code maxRetryDelay}
 * @param giveUpAfter    a destination that has not been live for this long is given up
 * @param stallTimeout   a connection that takes no data for this long is dropped and made again
 * @param maxDestinations how many destinations one recording may feed
 */
public record LiveSettings(int maxBitrateKbps, int bufferKbits, Duration firstRetry, Duration maxRetryDelay,
        Duration giveUpAfter, Duration stallTimeout, int maxDestinations) {

    public static final LiveSettings DEFAULTS = new LiveSettings(2976, 5952, Duration.ofSeconds(1),
            Duration.ofSeconds(8), Duration.ofMinutes(5), Duration.ofSeconds(10), 8);

    public LiveSettings {
        if (maxBitrateKbps < 100 || bufferKbits < maxBitrateKbps / 2) {
            throw new IllegalArgumentException("max bitrate must be at least 100 kb/s and the buffer at least half of it");
        }
        if (firstRetry.isNegative() || firstRetry.isZero() || maxRetryDelay.compareTo(firstRetry) < 0) {
            throw new IllegalArgumentException("retry delays must be positive, the first no longer than the longest");
        }
        if (maxDestinations < 1) {
            throw new IllegalArgumentException("at least one destination must be allowed");
        }
    }

    /** The wait before reconnection attempt {@code attempt} (1 = the first after a drop). */
    public Duration retryDelay(int attempt) {
        Duration delay = firstRetry;
        for (int i = 1; i < attempt && delay.compareTo(maxRetryDelay) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return delay.compareTo(maxRetryDelay) > 0 ? maxRetryDelay : delay;
    }
}
