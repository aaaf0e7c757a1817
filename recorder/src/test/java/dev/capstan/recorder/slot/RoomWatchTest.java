package dev.capstan.recorder.slot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.browser.Participant;
import dev.capstan.recorder.browser.RoomState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The auto-stop rules on a fake clock: each condition must hold for its whole time, checks every 5 s. */
class RoomWatchTest {

    private static final Instant START = Instant.parse("2026-01-01T10:00:00Z");
    private static final AutoStop RULES = AutoStop.jibriDefaults();
    private static final List<Participant> ALICE = List.of(Participant.of("a1", "Alice"));

    private static final RoomState EMPTY = new RoomState(List.of(), true, 0, true);
    private static final RoomState TALKING = new RoomState(ALICE, false, 800, true);
    private static final RoomState MUTED = new RoomState(ALICE, true, 0, true);
    private static final RoomState SILENT = new RoomState(ALICE, false, 0, true);
    private static final RoomState OUT = new RoomState(List.of(), true, -1, false);

    private final RoomWatch watch = new RoomWatch(RULES, START);

    @Test
    void anEmptyRoomStopsAfterThirtySeconds() {
        assertThat(watch.observe(TALKING, at(5))).isInstanceOf(RoomWatch.Continue.class);
        assertThat(watch.observe(EMPTY, at(10))).isInstanceOf(RoomWatch.Continue.class);
        assertThat(watch.observe(EMPTY, at(35))).isInstanceOf(RoomWatch.Continue.class);

        RoomWatch.Verdict verdict = watch.observe(EMPTY, at(40));
        assertThat(verdict).isEqualTo(new RoomWatch.Stop(StopCause.ROOM_EMPTY, "room empty for 30 s"));
    }

    @Test
    void someoneComingBackStartsTheEmptyClockAgain() {
        watch.observe(EMPTY, at(5));
        watch.observe(EMPTY, at(30));
        assertThat(watch.observe(TALKING, at(34))).isInstanceOf(RoomWatch.Continue.class);
        assertThat(watch.observe(EMPTY, at(35))).isInstanceOf(RoomWatch.Continue.class);
        assertThat(watch.observe(EMPTY, at(60))).as("25 s since it emptied again").isInstanceOf(RoomWatch.Continue.class);
        assertThat(watch.observe(EMPTY, at(65))).isInstanceOf(RoomWatch.Stop.class);
    }

    @Test
    void everyoneMutedStopsAfterTenMinutesWithoutAnyNoMediaFailure() {
        for (int second = 5; second < 605; second += 5) {
            assertThat(watch.observe(MUTED, at(second))).as("at %d s", second).isInstanceOf(RoomWatch.Continue.class);
        }
        assertThat(watch.observe(MUTED, at(605)))
                .isEqualTo(new RoomWatch.Stop(StopCause.ALL_MUTED, "everyone muted for 600 s"));
    }

    @Test
    void nothingReceivedFromUnmutedParticipantsFailsAfterThreeMinutes() {
        assertThat(watch.observe(SILENT, at(5))).isInstanceOf(RoomWatch.Continue.class);
        assertThat(watch.observe(SILENT, at(175))).isInstanceOf(RoomWatch.Continue.class);

        RoomWatch.Verdict verdict = watch.observe(SILENT, at(180));
        assertThat(verdict).isInstanceOf(RoomWatch.Fail.class);
        Failure failure = ((RoomWatch.Fail) verdict).failure();
        assertThat(failure.reason()).isEqualTo(Failure.Reason.NO_MEDIA);
        assertThat(failure.reason().isCallersFault()).as("worth retrying elsewhere").isFalse();
        assertThat(failure.detail()).contains("180 s", "1 unmuted");
    }

    @Test
    void mediaOrMutingGivesTheNoMediaClockItsFullTimeAgain() {
        watch.observe(SILENT, at(100));
        watch.observe(TALKING, at(150));
        assertThat(watch.observe(SILENT, at(320))).as("170 s since media").isInstanceOf(RoomWatch.Continue.class);
        watch.observe(MUTED, at(325));
        assertThat(watch.observe(SILENT, at(500))).as("175 s since muted").isInstanceOf(RoomWatch.Continue.class);
        assertThat(watch.observe(SILENT, at(505))).isInstanceOf(RoomWatch.Fail.class);
    }

    @Test
    void unmutingStartsTheAllMutedClockAgain() {
        watch.observe(MUTED, at(5));
        watch.observe(MUTED, at(500));
        watch.observe(TALKING, at(505));
        assertThat(watch.observe(MUTED, at(510))).isInstanceOf(RoomWatch.Continue.class);
        assertThat(watch.observe(MUTED, at(1105))).isInstanceOf(RoomWatch.Continue.class);
        assertThat(watch.observe(MUTED, at(1110))).isInstanceOf(RoomWatch.Stop.class);
    }

    @Test
    void aPageThatDoesNotReportWhatItReceivesNeverFailsForNoMedia() {
        RoomState unknown = new RoomState(ALICE, false, -1, true);
        for (int second = 5; second <= 1000; second += 5) {
            assertThat(watch.observe(unknown, at(second))).isInstanceOf(RoomWatch.Continue.class);
        }
    }

    @Test
    void aRecorderOutOfTheMeetingOutlivesASignallingOutageButNotMore() {
        assertThat(watch.observe(OUT, at(5))).isInstanceOf(RoomWatch.Continue.class);
        assertThat(watch.observe(OUT, at(60))).as("Prosody restarting: longer than the empty time, yet no end")
                .isInstanceOf(RoomWatch.Continue.class);
        assertThat(watch.observe(TALKING, at(65))).as("rejoined, as jitsi-meet does after a reconnection")
                .isInstanceOf(RoomWatch.Continue.class);
        watch.observe(OUT, at(70));
        assertThat(watch.observe(OUT, at(185))).isInstanceOf(RoomWatch.Continue.class);
        assertThat(watch.observe(OUT, at(190))).isEqualTo(new RoomWatch.Stop(StopCause.LEFT_MEETING,
                "out of the meeting for 120 s"));
    }

    @Test
    void aZeroTimeTurnsItsCheckOff() {
        RoomWatch lenient = new RoomWatch(new AutoStop(Duration.ofSeconds(5), Duration.ZERO, Duration.ZERO,
                Duration.ZERO), START);
        for (int second = 5; second <= 3600; second += 5) {
            RoomState room = second < 1200 ? EMPTY : second < 2400 ? MUTED : SILENT;
            assertThat(lenient.observe(room, at(second))).isInstanceOf(RoomWatch.Continue.class);
        }
    }

    private static Instant at(int seconds) {
        return START.plusSeconds(seconds);
    }
}
