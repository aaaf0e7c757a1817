package dev.capstan.recorder.slot;

/** A slot could not be brought up or used; carries the {@link Failure} that listeners see. */
public final class SlotException extends Exception {

    private final Failure failure;

    public SlotException(Failure.Reason reason, String detail, Throwable cause) {
        super(reason.summary() + ": " + detail, cause);
        this.failure = new Failure(reason, detail);
    }

    public Failure failure() {
        return failure;
    }
}
