package dev.capstan.recorder.slot;

import dev.capstan.storage.archive.RecordingId;

/**
 * A slot's life cycle: {@code Cold -> Warming -> Idle <-> Busy}, {@code Broken} when a part died (the slot is
 * torn down and can be warmed again), {@code Idle -> Cold} when it is retired to be rebuilt, and {@code Closed}
 * for good.
 */
public sealed interface SlotState {

    record Cold() implements SlotState {
    }

    record Warming() implements SlotState {
    }

    /** Display, sound and browser are up and the browser is on a blank page. */
    record Idle() implements SlotState {
    }

    record Busy(RecordingId recordingId) implements SlotState {
    }

    record Broken(Failure failure) implements SlotState {
    }

    record Closed() implements SlotState {
    }

    /** Whether the life cycle allows going from this state to {@code next}. */
    default boolean canMoveTo(SlotState next) {
        if (this instanceof Closed) {
            return false;
        }
        if (next instanceof Closed) {
            return true;
        }
        if (this instanceof Cold || this instanceof Broken) {
            return next instanceof Warming;
        }
        if (this instanceof Warming) {
            return next instanceof Idle || next instanceof Broken;
        }
        if (this instanceof Idle) {
            return next instanceof Busy || next instanceof Broken || next instanceof Cold;
        }
        return this instanceof Busy && (next instanceof Idle || next instanceof Broken);
    }
}
