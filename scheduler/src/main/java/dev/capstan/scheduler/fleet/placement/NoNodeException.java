package dev.capstan.scheduler.fleet.placement;

/** No node in the pool could take the recording now: all are full, draining or refused it. */
public final class NoNodeException extends Exception {

    public NoNodeException(String message) {
        super(message);
    }
}
