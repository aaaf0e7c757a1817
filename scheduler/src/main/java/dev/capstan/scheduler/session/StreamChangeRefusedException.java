package dev.capstan.scheduler.session;

/** A running session's live destinations could not be read or changed; the message is written for the caller. */
public final class StreamChangeRefusedException extends Exception {

    public StreamChangeRefusedException(String message) {
        super(message);
    }
}
