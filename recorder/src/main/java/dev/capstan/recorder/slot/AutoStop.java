package dev.capstan.recorder.slot;

import java.time.Duration;
import java.util.Objects;

/**
 * When a recording ends by itself because the meeting is over, or fails because nothing arrives from it. Jibri's
 * call-status checks, looked at more often. A zero duration turns its check off.
 *
 * @param checkInterval how often the meeting is looked at
 * @param emptyFor      nobody to record for this long (or the recorder out of the conference for this long): stop
 * @param allMutedFor   everyone's sound and picture muted for this long: stop
 * @param noMediaFor    nothing received for this long while someone is unmuted: fail (worth retrying elsewhere)
 */
public record AutoStop(Duration checkInterval, Duration emptyFor, Duration allMutedFor, Duration noMediaFor) {

    public AutoStop {
        Objects.requireNonNull(checkInterval, "checkInterval");
        Objects.requireNonNull(emptyFor, "emptyFor");
        Objects.requireNonNull(allMutedFor, "allMutedFor");
        Objects.requireNonNull(noMediaFor, "noMediaFor");
        if (checkInterval.isNegative() || checkInterval.isZero()) {
            throw new IllegalArgumentException("checkInterval must be positive: " + checkInterval);
        }
    }

    /**
     * Jibri's timeouts (empty 30 s, all muted 10 min, no media 3 min), checked every 5 s instead of Jibri's 15 s,
     * so that an empty meeting ends 30–35 s after the last person left rather than 30–45 s.
     */
    public static AutoStop jibriDefaults() {
        return new AutoStop(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(10),
                Duration.ofMinutes(3));
    }
}
