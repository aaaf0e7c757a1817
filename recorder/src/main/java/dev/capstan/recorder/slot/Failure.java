package dev.capstan.recorder.slot;

/**
 * Why a recording failed, in words an operator can act on.
 *
 * @param detail what exactly happened (paths, addresses, the encoder's last error)
 */
public record Failure(Reason reason, String detail) {

    /** The kinds of failure. {@link #isCallersFault()} tells a retry elsewhere will not help. */
    public enum Reason {
        OUTPUT_UNWRITABLE("the output directory cannot be written"),
        DISPLAY_FAILED("the virtual display could not start"),
        AUDIO_FAILED("the audio sink could not start"),
        BROWSER_MISSING("chromium or chromedriver is not installed"),
        BROWSER_FAILED("the browser could not start or stopped answering"),
        PAGE_UNREACHABLE("the meeting page could not be reached"),
        PAGE_TIMEOUT("the meeting page did not finish loading"),
        NOT_JOINED("the meeting was not joined in time"),
        CAPTURE_MISSING("ffmpeg is not installed"),
        CAPTURE_FAILED("ffmpeg could not start capturing"),
        CAPTURE_DIED("ffmpeg stopped unexpectedly"),
        NO_MEDIA("nothing was received from the meeting although participants were unmuted"),
        SLOT_DIED("the slot's display, audio or browser died during the recording"),
        STREAM_LOST("every live destination dropped and did not come back in time");

        private final String summary;

        Reason(String summary) {
            this.summary = summary;
        }

        public String summary() {
            return summary;
        }

        /** The request itself was wrong (a bad address), so trying again on another slot will not help. */
        public boolean isCallersFault() {
            return this == PAGE_UNREACHABLE;
        }
    }

    @Override
    public String toString() {
        return reason.name().toLowerCase().replace('_', '-') + ": " + detail;
    }
}
