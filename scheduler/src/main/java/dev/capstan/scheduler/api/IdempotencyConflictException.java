package dev.capstan.scheduler.api;

/** An {@code Idempotency-Key} used before with another request body: a 422. */
class IdempotencyConflictException extends RuntimeException {

    IdempotencyConflictException() {
        super("this Idempotency-Key was already used with a different request body; use a new key for a new "
                + "recording, or repeat the original body");
    }
}
