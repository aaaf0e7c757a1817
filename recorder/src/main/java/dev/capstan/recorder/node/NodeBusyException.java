package dev.capstan.recorder.node;

/** The node could not start a recording within the time its caller was willing to wait. */
public final class NodeBusyException extends RuntimeException {

    private final BusyReason reason;

    public NodeBusyException(BusyReason reason, String detail) {
        super(reason + ": " + detail);
        this.reason = reason;
    }

    public BusyReason reason() {
        return reason;
    }
}
