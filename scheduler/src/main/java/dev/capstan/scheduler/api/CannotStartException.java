package dev.capstan.scheduler.api;

import dev.capstan.recorder.node.BusyReason;
import java.util.Optional;

/**
 * A valid request for a recording that cannot start now: no slot is free (REST does not queue), the node is
 * unusable or shutting down, or the archive cannot file it. A 503; trying again later may work.
 */
class CannotStartException extends RuntimeException {

    private final Optional<BusyReason> reason;

    CannotStartException(String message, Optional<BusyReason> reason) {
        super(message);
        this.reason = reason;
    }

    Optional<BusyReason> reason() {
        return reason;
    }
}
