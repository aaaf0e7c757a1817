package dev.capstan.scheduler.session;

import java.time.Instant;
import java.util.Locale;

/**
 * Where a session is in its life: {@code pending → on → stopping → finalizing → done}, and from any state that is
 * not final to {@code failed}. {@code on} means frames are being written; {@code finalizing} means the slot is
 * already free and the archive is completing the upload.
 */
public sealed interface SessionState {

    Instant since();

    /** Accepted; the slot is joining the meeting. */
    record Pending(Instant since) implements SessionState {
    }

    /** Frames are being written. */
    record On(Instant since) implements SessionState {
    }

    /** Asked to stop; the capture is ending. */
    record Stopping(Instant since) implements SessionState {
    }

    /** The recorder is done and the slot free; the archive completes the recording. */
    record Finalizing(Instant since, String ending) implements SessionState {
    }

    /** The recording is in the archive. */
    record Done(Instant since) implements SessionState {
    }

    /**
     * @param retryable whether another slot could succeed where this one failed
     */
    record Failed(Instant since, String reason, boolean retryable) implements SessionState {
    }

    default String name() {
        return getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    default boolean isFinal() {
        return this instanceof Done || this instanceof Failed;
    }

    /** The transitions the life cycle allows. */
    default boolean canMoveTo(SessionState next) {
        if (isFinal()) {
            return false;
        }
        if (next instanceof Failed) {
            return true;
        }
        if (this instanceof Pending) {
            return next instanceof On || next instanceof Stopping || next instanceof Finalizing;
        }
        if (this instanceof On) {
            return next instanceof Stopping || next instanceof Finalizing;
        }
        if (this instanceof Stopping) {
            return next instanceof Finalizing;
        }
        return this instanceof Finalizing && next instanceof Done;
    }
}
