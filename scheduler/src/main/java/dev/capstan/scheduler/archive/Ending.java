package dev.capstan.scheduler.archive;

import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.slot.CaptureSpan;
import dev.capstan.storage.archive.LossCause;
import dev.capstan.storage.archive.MediaLoss;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How a recording ended, kept from its end until its upload completes.
 *
 * @param failure      why it ended other than by a stop, in words (the status detail)
 * @param onFor        how long it was on: the recorder's span, or an estimate when the recorder could not say
 * @param cause        why media is missing, when that is known before the file is measured
 * @param deliveredFps the frame rate its encoder delivered (see {@link DeliveredFps})
 * @param loss         what the measured file lacks, once it has been measured (see {@link LossCheck})
 */
record Ending(Instant endedAt, Optional<String> failure, Optional<Duration> onFor, Optional<LossCause> cause,
        Optional<Double> deliveredFps, Optional<MediaLoss> loss) {

    /** The recorder's outcome: a stop or a failure, with the span when the capture had been on. */
    static Ending of(Optional<String> failure, Optional<CaptureSpan> span, Optional<CaptureProgress> last) {
        return new Ending(span.map(CaptureSpan::end).orElse(Instant.now()), failure,
                span.map(CaptureSpan::length), LossCheck.causeOf(span, failure.isPresent()),
                last.flatMap(DeliveredFps::whole), Optional.empty());
    }

    /** An ending the recorder did not report (a restart, a vanished node): the cause and the best estimate. */
    static Ending without(Instant endedAt, String failure, LossCause cause, Optional<Duration> onFor) {
        return new Ending(endedAt, Optional.of(failure), onFor, Optional.of(cause), Optional.empty(),
                Optional.empty());
    }

    Ending measured(Duration file) {
        return new Ending(endedAt, failure, onFor, cause, deliveredFps, LossCheck.check(onFor, cause, file));
    }

    /** The status detail: the failure, and the loss in figures. */
    Optional<String> detail() {
        Optional<String> figures = loss.map(lost -> LossCheck.describe(lost, onFor));
        if (failure.isPresent() && figures.isPresent()) {
            return Optional.of(failure.get() + "; " + figures.get());
        }
        return failure.or(() -> figures);
    }
}
