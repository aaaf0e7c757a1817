package dev.capstan.recorder.live;

import java.time.Instant;

/**
 * Where one live destination is in its life: connecting, live, waiting to reconnect after a drop, given up,
 * or stopped (removed, or the recording ended). Only {@link Live} means viewers get pictures.
 */
public sealed interface StreamState {

    Instant since();

    /** The name the API shows. */
    String name();

    record Connecting(Instant since, int attempt) implements StreamState {
        public String name() {
            return "connecting";
        }
    }

    record Live(Instant since) implements StreamState {
        public String name() {
            return "live";
        }
    }

    /** Dropped; the next attempt is due at {@code nextAttempt}. */
    record Retrying(Instant since, int attempt, Instant nextAttempt, String lastError) implements StreamState {
        public String name() {
            return "retrying";
        }
    }

    /** Not live for longer than the settings allow: no more attempts. */
    record GaveUp(Instant since, String lastError) implements StreamState {
        public String name() {
            return "gave-up";
        }
    }

    record Stopped(Instant since) implements StreamState {
        public String name() {
            return "stopped";
        }
    }
}
