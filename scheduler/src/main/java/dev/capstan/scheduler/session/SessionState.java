package dev.capstan.scheduler.session;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * Where a session is in its life: {@code requested → starting → pending → on → stopping → finalizing → done}, and
 * from any state that is not final to {@code failed}. {@code on} means frames are being written; {@code finalizing}
 * means the slot is already free and the archive is completing the upload. A session that was {@code pending} or
 * {@code on} goes back to {@code starting} when it moves to another node after a fault (the failover edge).
 */
public sealed interface SessionState {

    /** Every state's {@link #name()}, in life-cycle order. */
    List<String> NAMES = List.of("requested", "starting", "pending", "on", "stopping", "finalizing", "done", "failed");

    Instant since();

    /** Filed, not yet placed on a node. */
    record Requested(Instant since) implements SessionState {
    }

    /** Sent to a node, which has not accepted it yet. */
    record Starting(Instant since) implements SessionState {
    }

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
        if (this instanceof Requested) {
            return next instanceof Starting || next instanceof Pending || next instanceof Stopping;
        }
        if (this instanceof Starting) {
            return next instanceof Pending || next instanceof Stopping;
        }
        if (this instanceof Pending) {
            return next instanceof On || next instanceof Stopping || next instanceof Finalizing
                    || next instanceof Starting;
        }
        if (this instanceof On) {
            return next instanceof Stopping || next instanceof Finalizing || next instanceof Starting;
        }
        if (this instanceof Stopping) {
            return next instanceof Finalizing;
        }
        return this instanceof Finalizing && next instanceof Done;
    }

    /** What a state says besides its name: the failure's reason or the ending; null for the others. */
    default String detail() {
        if (this instanceof Failed failed) {
            return failed.reason();
        }
        return this instanceof Finalizing finalizing ? finalizing.ending() : null;
    }

    /**
     * The state a stored row describes (see {@link #name()} and {@link #detail()}).
     *
     * @throws IllegalArgumentException for a name that is not a state's
     */
    static SessionState of(String name, Instant since, String detail, boolean retryable) {
        return switch (name) {
            case "requested" -> new Requested(since);
            case "starting" -> new Starting(since);
            case "pending" -> new Pending(since);
            case "on" -> new On(since);
            case "stopping" -> new Stopping(since);
            case "finalizing" -> new Finalizing(since, detail == null ? "" : detail);
            case "done" -> new Done(since);
            case "failed" -> new Failed(since, detail == null ? "" : detail, retryable);
            default -> throw new IllegalArgumentException("no session state is called '" + name + "'");
        };
    }
}
