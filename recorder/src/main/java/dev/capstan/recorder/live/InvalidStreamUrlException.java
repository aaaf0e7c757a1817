package dev.capstan.recorder.live;

/**
 * A stream address that will never work: retrying it elsewhere cannot help (Jibri's {@code should_retry=false}).
 * The message names what is wrong, with the address masked.
 */
public final class InvalidStreamUrlException extends Exception {

    /** What is wrong with the address. */
    public enum Problem {
        /** Not an address at all, or one without a host or stream name. */
        MALFORMED,
        /** Not {@code rtmp://} or {@code rtmps://}. */
        SCHEME,
        /** Outside the operator's allow-list. */
        NOT_ALLOWED,
        /** Its host name does not resolve. */
        UNRESOLVABLE
    }

    private final Problem problem;

    public InvalidStreamUrlException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
