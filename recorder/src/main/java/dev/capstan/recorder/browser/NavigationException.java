package dev.capstan.recorder.browser;

/** The browser could not get into the meeting. */
public final class NavigationException extends Exception {

    /** What went wrong, in terms a caller can act on. */
    public enum Problem {
        /** Nothing answered at the address, or it answered with an error. */
        UNREACHABLE,
        /** The page started loading but did not finish in time. */
        TIMEOUT,
        /** The page loaded but the meeting was not joined in time. */
        NOT_JOINED
    }

    private final Problem problem;

    public NavigationException(Problem problem, String message) {
        super(message);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
