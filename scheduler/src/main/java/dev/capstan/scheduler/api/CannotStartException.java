package dev.capstan.scheduler.api;

import dev.capstan.recorder.node.BusyReason;
import dev.capstan.scheduler.api.problem.ApiProblem;
import java.util.Optional;
import org.springframework.http.ProblemDetail;

/**
 * A valid request for a recording that cannot start now: no slot is free (REST does not queue), the node is
 * unusable or shutting down, or the archive cannot file it. A 503; trying again later may work.
 */
final class CannotStartException extends ApiException {

    private final Optional<BusyReason> reason;

    CannotStartException(String message, Optional<BusyReason> reason) {
        super(ApiProblem.CANNOT_START, message);
        this.reason = reason;
    }

    /** Adds {@code busyReason} when the node said why it is busy. */
    @Override
    ProblemDetail answer() {
        ProblemDetail problem = super.answer();
        reason.ifPresent(busy -> problem.setProperty("busyReason", busy.name()));
        return problem;
    }
}
