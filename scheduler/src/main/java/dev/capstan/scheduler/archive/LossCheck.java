package dev.capstan.scheduler.archive;

import dev.capstan.recorder.slot.CaptureSpan;
import dev.capstan.storage.archive.LossCause;
import dev.capstan.storage.archive.MediaLoss;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether a finished recording's file lost media: its measured duration against the wall-clock time it was on
 * ({@link CaptureSpan}), and how its encoder and recorder ended.
 *
 * <p>Lost = how long it was on (the span's length) less the file's duration, never below zero. The cause, first
 * that applies: the encoder was killed at stop ({@code encoder-killed-at-stop}) or died ({@code encoder-died}),
 * which is a loss however little is missing; the recorder failed mid-way although the encoder ended in order
 * ({@code recorder-failed}); a cause the archive knew otherwise (a restart, a vanished node); else the file is
 * short by more than {@link #TOLERANCE} ({@code short-file}). A file short by at most the tolerance of a
 * recording that stopped in order is complete.
 */
final class LossCheck {

    /**
     * How much shorter than its span a complete file may be. The span runs from when the first frame was seen
     * written to when the stop was asked, and the encoder goes on capturing until it has the stop, so a complete
     * file is if anything a little longer; 0.5 s is the bar the issue sets for "the file's duration equals the
     * on→stop time".
     */
    static final Duration TOLERANCE = Duration.ofMillis(500);

    private LossCheck() {
    }

    /**
     * The cause a recorder's outcome names before the file is measured: how its encoder ended, else whether the
     * recording failed (also when it failed before it was on and left media anyway). Empty for a recording stopped
     * in order, whose file alone can still show a loss.
     */
    static Optional<LossCause> causeOf(Optional<CaptureSpan> span, boolean recorderFailed) {
        CaptureSpan.EncoderEnd end = span.map(CaptureSpan::encoderEnd).orElse(CaptureSpan.EncoderEnd.DRAINED);
        return switch (end) {
            case KILLED_AT_STOP -> Optional.of(LossCause.ENCODER_KILLED_AT_STOP);
            case DIED -> Optional.of(LossCause.ENCODER_DIED);
            case DRAINED -> recorderFailed ? Optional.of(LossCause.RECORDER_FAILED) : Optional.empty();
        };
    }

    /**
     * @param onFor how long the recording was on (its span, or an estimate); empty when unknown, and then only a
     *              known cause makes a loss, of zero seconds
     * @param cause the cause known before measuring ({@link #causeOf}, a restart, a vanished node), if any
     * @param file  the duration measured from the file's segments (zero when none was kept)
     */
    static Optional<MediaLoss> check(Optional<Duration> onFor, Optional<LossCause> cause, Duration file) {
        Duration lost = onFor.map(on -> on.minus(file)).filter(d -> !d.isNegative()).orElse(Duration.ZERO);
        if (cause.isPresent()) {
            return Optional.of(new MediaLoss(cause.get(), lost));
        }
        if (lost.compareTo(TOLERANCE) > 0) {
            return Optional.of(new MediaLoss(LossCause.SHORT_FILE, lost));
        }
        return Optional.empty();
    }

    /** The loss in words, for the status detail: "encoder-died: 2.3 s of the 41.0 s it was on are missing". */
    static String describe(MediaLoss loss, Optional<Duration> onFor) {
        return onFor.map(on -> String.format(Locale.ROOT, "%s: %.1f s of the %.1f s it was on are missing",
                        loss.cause().wireName(), loss.lostSeconds(), on.toMillis() / 1000.0))
                .orElseGet(() -> String.format(Locale.ROOT, "%s: %.1f s missing", loss.cause().wireName(),
                        loss.lostSeconds()));
    }
}
