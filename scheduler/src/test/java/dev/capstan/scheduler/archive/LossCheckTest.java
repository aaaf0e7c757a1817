package dev.capstan.scheduler.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.slot.CaptureSpan;
import dev.capstan.storage.archive.LossCause;
import dev.capstan.storage.archive.MediaLoss;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What the archive calls a loss: the rules, without media (SalvageTest runs them on real segments). */
class LossCheckTest {

    private static final Duration MINUTE = Duration.ofSeconds(60);

    @Test
    void aFileShortOfItsSpanBeyondTheToleranceLostTheDifference() {
        assertThat(LossCheck.check(Optional.of(MINUTE), Optional.empty(), MINUTE)).isEmpty();
        assertThat(LossCheck.check(Optional.of(MINUTE), Optional.empty(), MINUTE.plusMillis(300)))
                .as("a file a little longer than its span is whole").isEmpty();
        assertThat(LossCheck.check(Optional.of(MINUTE), Optional.empty(), MINUTE.minus(LossCheck.TOLERANCE)))
                .as("short by the tolerance exactly").isEmpty();
        assertThat(LossCheck.check(Optional.of(MINUTE), Optional.empty(), MINUTE.minusMillis(501)))
                .contains(new MediaLoss(LossCause.SHORT_FILE, Duration.ofMillis(501)));
        assertThat(LossCheck.check(Optional.empty(), Optional.empty(), Duration.ofSeconds(3)))
                .as("no span, no known cause: nothing to hold the file against").isEmpty();
    }

    @Test
    void aKnownCauseIsALossHoweverLittleIsMissing() {
        assertThat(LossCheck.check(Optional.of(MINUTE), Optional.of(LossCause.ENCODER_KILLED_AT_STOP),
                MINUTE.minusMillis(100))).contains(new MediaLoss(LossCause.ENCODER_KILLED_AT_STOP,
                Duration.ofMillis(100)));
        assertThat(LossCheck.check(Optional.of(MINUTE), Optional.of(LossCause.ENCODER_DIED), MINUTE.plusSeconds(1)))
                .as("never negative").contains(new MediaLoss(LossCause.ENCODER_DIED, Duration.ZERO));
        assertThat(LossCheck.check(Optional.empty(), Optional.of(LossCause.RECORDER_RESTARTED), MINUTE))
                .as("unknown span: zero, with its cause").contains(new MediaLoss(LossCause.RECORDER_RESTARTED,
                        Duration.ZERO));
    }

    @Test
    void theEncodersEndNamesTheCauseBeforeTheRecordersFailure() {
        Instant on = Instant.parse("2026-12-07T02:00:00Z");
        assertThat(LossCheck.causeOf(Optional.of(span(on, CaptureSpan.EncoderEnd.DIED)), true))
                .contains(LossCause.ENCODER_DIED);
        assertThat(LossCheck.causeOf(Optional.of(span(on, CaptureSpan.EncoderEnd.KILLED_AT_STOP)), false))
                .contains(LossCause.ENCODER_KILLED_AT_STOP);
        assertThat(LossCheck.causeOf(Optional.of(span(on, CaptureSpan.EncoderEnd.DRAINED)), true))
                .contains(LossCause.RECORDER_FAILED);
        assertThat(LossCheck.causeOf(Optional.empty(), true)).as("failed before it was on")
                .contains(LossCause.RECORDER_FAILED);
        assertThat(LossCheck.causeOf(Optional.of(span(on, CaptureSpan.EncoderEnd.DRAINED)), false)).isEmpty();
    }

    @Test
    void theLossIsDescribedInFigures() {
        MediaLoss loss = new MediaLoss(LossCause.ENCODER_DIED, Duration.ofMillis(2_340));
        assertThat(LossCheck.describe(loss, Optional.of(Duration.ofSeconds(41))))
                .isEqualTo("encoder-died: 2.3 s of the 41.0 s it was on are missing");
        assertThat(LossCheck.describe(loss, Optional.empty())).isEqualTo("encoder-died: 2.3 s missing");
    }

    private static CaptureSpan span(Instant on, CaptureSpan.EncoderEnd end) {
        return new CaptureSpan(on, on.plus(MINUTE), end);
    }
}
