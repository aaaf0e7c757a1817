package dev.capstan.scheduler.jibri;

/** A Jibri request that cannot be acted on as sent; it is answered with an IQ error saying why. */
public final class MalformedRequestException extends Exception {

    public MalformedRequestException(String message) {
        super(message);
    }
}
