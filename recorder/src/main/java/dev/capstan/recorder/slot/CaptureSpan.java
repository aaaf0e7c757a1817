package dev.capstan.recorder.slot;

import dev.capstan.recorder.capture.Capture;
import java.time.Duration;
import java.time.Instant;

/**
 * The wall-clock time a recording's media ought to cover, and how its encoder ended: what the archive checks the
 * finished file against, so that a file that lost media is never called complete.
 *
 * @param on  when the first frame was grabbed, dated by FFmpeg's least delayed progress report (report time less
 *            the media written), so a late report does not shorten the span
 * @param end when the capture was asked to stop; for one that hit its maximum duration, {@code on} plus the media
 *            recorded; for a crash, when FFmpeg exited
 * @param paused how much of that time the recording was paused, which the file leaves out: from each pause to the
 *            first frame after it (to {@code end} when it ended paused)
 */
public record CaptureSpan(Instant on, Instant end, EncoderEnd encoderEnd, Duration paused) {

    /** How the encoder ended. Stored and sent by {@link #wireName()}. */
    public enum EncoderEnd {
        /** It finished writing everything it had captured. */
        DRAINED("drained"),
        /** It made no progress while draining after a stop and was killed: its last media is lost. */
        KILLED_AT_STOP("killed-at-stop"),
        /** It died or was killed while recording. */
        DIED("died");

        private final String wireName;

        EncoderEnd(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        /**
         * The capture knows whether it killed the encoder, and FFmpeg reports its end only once it has written
         * everything; exit codes are not needed (FFmpeg exits 255 after an obeyed SIGTERM).
         */
        public static EncoderEnd of(Capture.Ending ending) {
            if (ending.killed()) {
                return KILLED_AT_STOP;
            }
            return ending.reachedEnd() ? DRAINED : DIED;
        }
    }

    public CaptureSpan {
        if (end.isBefore(on)) {
            throw new IllegalArgumentException("a capture cannot end (" + end + ") before it is on (" + on + ")");
        }
        if (paused.isNegative() || paused.compareTo(Duration.between(on, end)) > 0) {
            throw new IllegalArgumentException("paused " + paused + " of " + Duration.between(on, end));
        }
    }

    /** A capture that never paused. */
    public CaptureSpan(Instant on, Instant end, EncoderEnd encoderEnd) {
        this(on, end, encoderEnd, Duration.ZERO);
    }

    /** How much media the file should hold. */
    public Duration length() {
        return Duration.between(on, end).minus(paused);
    }
}
