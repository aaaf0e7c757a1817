package dev.capstan.recorder.slot;

/** A pause or resume that this recording cannot do now; {@link #reason()} says why. */
public final class PauseRefusedException extends Exception {

    /** Why. Sent by {@link #wireName()}. */
    public enum Reason {
        /** A live stream that keeps no file: there is no file to leave the pause out of. */
        NO_FILE("no-file", "a live stream without a file cannot pause"),
        /** It also streams live: viewers would see the stream stop, so only file recordings pause. */
        STREAMING("streaming", "a recording that also streams live cannot pause: its viewers would lose the stream"),
        /** Speaker tracks are recorded by the page, which the pause does not reach. */
        SPEAKER_TRACKS("speaker-tracks",
                "a recording that keeps speaker tracks cannot pause: the page records them on its own"),
        ALREADY_PAUSED("already-paused", "the recording is paused already"),
        NOT_PAUSED("not-paused", "the recording is not paused"),
        /** Not capturing yet (still joining) or any more (stopping, ended). */
        NOT_CAPTURING("not-capturing", "the recording is not capturing");

        private final String wireName;
        private final String why;

        Reason(String wireName, String why) {
            this.wireName = wireName;
            this.why = why;
        }

        public String wireName() {
            return wireName;
        }
    }

    private final Reason reason;

    /** Refused for {@code reason}, saying it in the reason's own words. */
    public PauseRefusedException(Reason reason) {
        this(reason, reason.why);
    }

    public PauseRefusedException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
