package dev.capstan.recorder.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateWindowTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void thereIsNoRateUntilTheSamplesSpanAWholeWindow() {
        RateWindow window = new RateWindow(Duration.ofSeconds(5));
        for (int s = 0; s < 5; s++) {
            window.add(s * SECOND, s);
            assertThat(window.rate()).as("after %d s", s).isEmpty();
        }
        window.add(5 * SECOND, 5);
        assertThat(window.rate()).hasValue(1.0);
    }

    @Test
    void aRecentSlowdownShowsEvenAfterAGoodStart() {
        RateWindow window = new RateWindow(Duration.ofSeconds(5));
        double encoded = 0;
        for (int s = 0; s <= 60; s++) {
            encoded += s <= 50 ? 1.0 : 0.9;
            window.add(s * SECOND, encoded);
        }
        // Cumulative speed is still 0.98x (59 s in 60 s); over the last 5 s it is 0.9x.
        assertThat(encoded / 60).isGreaterThan(0.98);
        assertThat(window.rate().getAsDouble()).isCloseTo(0.9, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void aCountThatGoesBackwardsCountsAsNoProgress() {
        RateWindow window = new RateWindow(Duration.ofSeconds(1));
        window.add(0, 10);
        window.add(SECOND, 4); // say, a process whose CPU time was counted has exited
        assertThat(window.rate()).hasValue(0.0);
    }
}
