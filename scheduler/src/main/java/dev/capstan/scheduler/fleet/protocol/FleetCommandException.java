package dev.capstan.scheduler.fleet.protocol;

import dev.capstan.recorder.slot.PauseRefusedException;
import java.util.Objects;
import java.util.Optional;
import org.jivesoftware.smack.packet.StanzaError;

/** A command another occupant refused or never answered; the message is the node's own text. */
public final class FleetCommandException extends Exception {

    /** What went wrong, from the answer's XMPP error condition or the lack of an answer. */
    public enum Problem {
        /** The node is there but cannot take it (busy, draining): another node may. */
        REFUSED,
        /** It has no such recording or destination. */
        NOT_FOUND,
        /** The recording refuses the change (no live output, not capturing, already there, full; a pause). */
        CONFLICT,
        /** It could not read the command. */
        BAD_REQUEST,
        /** No answer in time. */
        TIMEOUT,
        /** The pool room cannot be reached. */
        NOT_CONNECTED,
        OTHER;

        static Problem of(StanzaError.Condition condition) {
            return switch (condition) {
                case service_unavailable -> REFUSED;
                case item_not_found -> NOT_FOUND;
                case conflict -> CONFLICT;
                case bad_request -> BAD_REQUEST;
                default -> OTHER;
            };
        }
    }

    private final Problem problem;
    private final Optional<PauseRefusedException.Reason> pauseRefused;

    public FleetCommandException(Problem problem, String message) {
        this(problem, message, Optional.empty());
    }

    /** @param pauseRefused why the node's recording refused a pause or resume, when it did */
    public FleetCommandException(Problem problem, String message,
            Optional<PauseRefusedException.Reason> pauseRefused) {
        super(message);
        this.problem = Objects.requireNonNull(problem, "problem");
        this.pauseRefused = Objects.requireNonNull(pauseRefused, "pauseRefused");
    }

    public Problem problem() {
        return problem;
    }

    public Optional<PauseRefusedException.Reason> pauseRefused() {
        return pauseRefused;
    }
}
