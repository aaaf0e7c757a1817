package dev.capstan.scheduler.archive;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.storage.archive.RecordingId;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A recording's pauses as they are filed: opened by a pause, closed by its resume, and stored as JSON exactly. */
class RecordingPausesTest {

    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final RecordingId ID = RecordingId.of("rec-pauses");
    private static final Instant PAUSED = Instant.parse("2026-12-07T14:00:07.520Z");
    private static final Instant RESUMED = Instant.parse("2026-12-07T14:00:12.645Z");

    @Test
    void aPauseOpensAndItsResumeClosesIt() {
        RecordingPauses open = RecordingPauses.NONE.paused(new SlotEvent.Paused(ID, PAUSED, Duration.ofMillis(7_480)));
        assertThat(open.pauses()).containsExactly(new RecordingPauses.Pause(PAUSED, null, 7.48, null));
        assertThat(open.total(PAUSED.plusSeconds(2))).isEqualTo(Duration.ofSeconds(2));

        RecordingPauses closed = open.resumed(new SlotEvent.Resumed(ID, RESUMED, Duration.ofMillis(7_480),
                Duration.ofMillis(5_125)));
        assertThat(closed.pauses()).containsExactly(new RecordingPauses.Pause(PAUSED, RESUMED, 7.48, 5.125));
        assertThat(closed.total(RESUMED.plusSeconds(60))).isEqualTo(Duration.ofMillis(5_125));
        assertThat(closed.resumed(new SlotEvent.Resumed(ID, RESUMED, Duration.ZERO, Duration.ZERO)))
                .as("a resume without an open pause changes nothing").isEqualTo(closed);
    }

    @Test
    void theyAreFiledAsAJsonArrayThatReadsBackTheSame() throws Exception {
        RecordingPauses pauses = RecordingPauses.NONE.paused(new SlotEvent.Paused(ID, PAUSED, Duration.ofMillis(7_480)))
                .resumed(new SlotEvent.Resumed(ID, RESUMED, Duration.ofMillis(7_480), Duration.ofMillis(5_125)))
                .paused(new SlotEvent.Paused(ID, RESUMED.plusSeconds(30), Duration.ofMillis(37_400)));
        String json = pauses.toJson(JSON);
        assertThat(json).isEqualTo("[{\"pausedAt\":\"2026-12-07T14:00:07.520Z\",\"resumedAt\":"
                + "\"2026-12-07T14:00:12.645Z\",\"positionSeconds\":7.48,\"durationSeconds\":5.125},"
                + "{\"pausedAt\":\"2026-12-07T14:00:42.645Z\",\"resumedAt\":null,\"positionSeconds\":37.4,"
                + "\"durationSeconds\":null}]");
        assertThat(RecordingPauses.read(json, JSON)).isEqualTo(pauses);
    }
}
