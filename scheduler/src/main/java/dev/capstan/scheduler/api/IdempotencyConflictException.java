package dev.capstan.scheduler.api;

import dev.capstan.scheduler.api.problem.ApiProblem;

/** An {@code Idempotency-Key} used before with another request body: a 422. */
final class IdempotencyConflictException extends ApiException {

    IdempotencyConflictException() {
        super(ApiProblem.IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key was already used with a different request "
                + "body; use a new key for a new "
                + "recording, or repeat the original body");
    }
}
