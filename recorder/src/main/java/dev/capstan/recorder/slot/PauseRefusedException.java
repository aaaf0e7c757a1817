package dev.capstan.recorder.slot;

/** A pause or resume that this recording cannot do now; {@link #reason()} says why. */
public final class PauseRefusedException extends Exception {

    /** Why. Sent by {@link #wireName()}. */
    public enum Reason {
        /** A live stream that keeps no file: there is no file to leave the pause out of. */
        NO_FILE("no-file"),
        /** It also streams live: viewers would see the stream stop, so only file recordings pause. */
        STREAMING("streaming"),
        /** Speaker tracks are recorded by the page, which the pause does not reach. */
        SPEAKER_TRACKS("speaker-tracks"),
        ALREADY_PAUSED("already-paused"),
        NOT_PAUSED("not-paused"),
        /** Not capturing yet (still joining) or any more (stopping, ended). */
        NOT_CAPTURING("not-capturing");

        private final String wireName;

        Reason(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    private final Reason reason;

    public PauseRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
