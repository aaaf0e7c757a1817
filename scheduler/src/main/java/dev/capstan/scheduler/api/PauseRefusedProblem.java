package dev.capstan.scheduler.api;

import dev.capstan.recorder.slot.PauseRefusedException;
import dev.capstan.scheduler.api.problem.ApiProblem;
import dev.capstan.storage.archive.RecordingId;
import org.springframework.http.ProblemDetail;

/** A pause or resume the recording refused: a 409 whose {@code reason} is the refusal's stable wire name. */
final class PauseRefusedProblem extends ApiException {

    private final PauseRefusedException.Reason reason;

    PauseRefusedProblem(RecordingId id, PauseRefusedException refused) {
        super(ApiProblem.PAUSE_REFUSED, "recording " + id + ": " + refused.getMessage());
        this.reason = refused.reason();
    }

    @Override
    ProblemDetail answer() {
        ProblemDetail problem = super.answer();
        problem.setProperty("reason", reason.wireName());
        return problem;
    }
}
