package dev.capstan.scheduler.session;

import dev.capstan.recorder.node.BusyReason;
import java.util.Objects;
import java.util.Optional;

/** No recorder took a recording; nothing of it runs. Its message is written for the requester. */
public final class StartRefusedException extends Exception {

    /** Why, as the front doors answer it: Jibri's {@code busy} or {@code error}, REST's 503 either way. */
    public enum Cause {
        /** No slot or node had room within the wait. */
        NO_ROOM,
        /** The archive or the session table could not file it. */
        NOT_FILED
    }

    private final Cause cause;
    private final Optional<BusyReason> busyReason;

    public StartRefusedException(Cause cause, String message, Optional<BusyReason> busyReason) {
        super(message);
        this.cause = Objects.requireNonNull(cause, "cause");
        this.busyReason = Objects.requireNonNull(busyReason, "busyReason");
    }

    public Cause refusal() {
        return cause;
    }

    /** What the node said about being busy, when it said it. */
    public Optional<BusyReason> busyReason() {
        return busyReason;
    }
}
