package dev.capstan.scheduler.session;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Where a session is in its life: {@code requested → starting → pending → on → stopping → finalizing → done}, and
 * from any state that is not final to {@code failed}. A recording that is {@code on} may go {@code paused} and back
 * to {@code on} any number of times; a paused one may also stop, end (too long paused) or move (failover).
 * {@code on} means frames are being written; {@code finalizing} means the slot is already free and the archive is
 * completing the upload. A session that was {@code pending} or
 * {@code on} goes back to {@code starting} when it moves to another node after a fault (the failover edge).
 */
public sealed interface SessionState {

    /** Every state's {@link #name()}, in life-cycle order. */
    List<String> NAMES = Arrays.stream(Status.values()).map(Status::wireName).toList();

    /**
     * A state's kind by its stable name, stored with the session and shown by the API, webhooks and metrics; never
     * a Java name, so renaming a record does not break stored rows.
     */
    enum Status {
        REQUESTED("requested"), STARTING("starting"), PENDING("pending"), ON("on"), PAUSED("paused"),
        STOPPING("stopping"), FINALIZING("finalizing"), DONE("done"), FAILED("failed");

        private final String wireName;

        Status(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public boolean isFinal() {
            return this == DONE || this == FAILED;
        }

        public static Optional<Status> ofWireName(String wireName) {
            return Arrays.stream(values()).filter(status -> status.wireName.equals(wireName)).findFirst();
        }
    }

    Instant since();

    Status status();

    /** Filed, not yet placed on a node. */
    record Requested(Instant since) implements SessionState {
        @Override
        public Status status() {
            return Status.REQUESTED;
        }
    }

    /** Sent to a node, which has not accepted it yet. */
    record Starting(Instant since) implements SessionState {
        @Override
        public Status status() {
            return Status.STARTING;
        }
    }

    /** Accepted; the slot is joining the meeting. */
    record Pending(Instant since) implements SessionState {
        @Override
        public Status status() {
            return Status.PENDING;
        }
    }

    /** Frames are being written. */
    record On(Instant since) implements SessionState {
        @Override
        public Status status() {
            return Status.ON;
        }
    }

    /**
     * Frames are not being written for a while, the slot staying held and in the meeting.
     *
     * @param since    when the capture stopped for the pause
     * @param position where the recording's media stands: the resumed capture continues there
     */
    record Paused(Instant since, Duration position) implements SessionState {
        public Paused {
            if (position.isNegative()) {
                throw new IllegalArgumentException("a pause cannot lie before the recording's start: " + position);
            }
        }

        @Override
        public Status status() {
            return Status.PAUSED;
        }
    }

    /** Asked to stop; the capture is ending. */
    record Stopping(Instant since) implements SessionState {
        @Override
        public Status status() {
            return Status.STOPPING;
        }
    }

    /** The recorder is done and the slot free; the archive completes the recording. */
    record Finalizing(Instant since, String ending) implements SessionState {
        @Override
        public Status status() {
            return Status.FINALIZING;
        }
    }

    /** The recording is in the archive. */
    record Done(Instant since) implements SessionState {
        @Override
        public Status status() {
            return Status.DONE;
        }
    }

    record Failed(Instant since, SessionFailure failure) implements SessionState {
        @Override
        public Status status() {
            return Status.FAILED;
        }

        /** Whether another slot could succeed where this one failed. */
        public boolean retryable() {
            return failure.retryable();
        }
    }

    /** The state's stable name ({@link Status#wireName()}). */
    default String name() {
        return status().wireName();
    }

    default boolean isFinal() {
        return status().isFinal();
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
            return next instanceof Paused || next instanceof Stopping || next instanceof Finalizing
                    || next instanceof Starting;
        }
        if (this instanceof Paused) {
            return next instanceof On || next instanceof Stopping || next instanceof Finalizing
                    || next instanceof Starting;
        }
        if (this instanceof Stopping) {
            return next instanceof Finalizing;
        }
        return this instanceof Finalizing && next instanceof Done;
    }

    /** What a state says besides its name: the failure's reason or the ending; null for the others. */
    default String detail() {
        if (this instanceof Failed failed) {
            return failed.failure().text();
        }
        return this instanceof Finalizing finalizing ? finalizing.ending() : null;
    }

    /** Where a paused session's media stands; empty for every other state. */
    default Optional<Duration> pausedAt() {
        return this instanceof Paused paused ? Optional.of(paused.position()) : Optional.empty();
    }

    /** The state a stored row describes, for a row that is not {@code paused} (see {@link #of(String, Instant,
     * String, Optional, boolean, Optional)}). */
    static SessionState of(String name, Instant since, String detail, Optional<String> failureReason,
            boolean retryable) {
        return of(name, since, detail, failureReason, retryable, Optional.empty());
    }

    /**
     * The state a stored row describes (see {@link #name()}, {@link #detail()} and {@link #pausedAt()}).
     *
     * @throws IllegalArgumentException for a name that is not a state's
     */
    static SessionState of(String name, Instant since, String detail, Optional<String> failureReason,
            boolean retryable, Optional<Duration> pausedAt) {
        Status status = Status.ofWireName(name)
                .orElseThrow(() -> new IllegalArgumentException("no session state is called '" + name + "'"));
        return switch (status) {
            case REQUESTED -> new Requested(since);
            case STARTING -> new Starting(since);
            case PENDING -> new Pending(since);
            case ON -> new On(since);
            // A row stored without its position (none should be) reads as paused at the start.
            case PAUSED -> new Paused(since, pausedAt.orElse(Duration.ZERO));
            case STOPPING -> new Stopping(since);
            case FINALIZING -> new Finalizing(since, detail == null ? "" : detail);
            case DONE -> new Done(since);
            // A row from before failure_reason holds the failure's whole text.
            case FAILED -> new Failed(since, failureReason.map(reason -> new SessionFailure(
                    FailureReason.ofWireName(reason).orElse(FailureReason.OTHER), detail, retryable))
                    .orElseGet(() -> SessionFailure.read(detail, retryable)));
        };
    }
}
