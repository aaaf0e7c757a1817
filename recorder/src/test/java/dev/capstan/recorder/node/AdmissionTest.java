package dev.capstan.recorder.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.capture.CaptureProgress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Admission on a 2-core host with 24 GiB, for recordings estimated at 0.9 core and 700 MB, with the defaults: a
 * 30-s average of foreign load, verdicts held 10 s, 0.25 core of hysteresis.
 */
class AdmissionTest {

    private static final long SECOND = 1_000_000_000L;
    private static final double CPU = 0.9;
    private static final long MEMORY = 700L << 20;
    private static final long RESERVE = 512L << 20;
    private static final long PLENTY = 20L << 30;

    /** Foreign load averaged as the node's load monitor does, over 30 s. */
    private final MovingAverage foreign = new MovingAverage(Duration.ofSeconds(30));

    private static Admission admission() {
        return new Admission(2, 1.0, RESERVE, 0.25, 10 * SECOND, 30);
    }

    private static Admission.Facts facts(List<Admission.Cost> running, double estimate) {
        return new Admission.Facts(running, true, PLENTY, Optional.empty(), estimate, MEMORY);
    }

    private static Admission.Cost reserved() {
        return new Admission.Cost(false, CPU, MEMORY);
    }

    private static Admission.Cost measured(double cpu) {
        return new Admission.Cost(true, cpu, 650L << 20);
    }

    /** Foreign load burning 2 cores for 3 s, then none for 3 s, read once a second as the node does. */
    private static double swinging(int second) {
        return (second / 3) % 2 == 0 ? 2.0 : 0.0;
    }

    @Test
    void aSwingingForeignLoadCountsByItsAverageAndTheVerdictDoesNotFlap() {
        Admission admission = admission();
        // One recording measured at 0.4 core, another estimated at 0.6: 2 - 0.4 - 0.6 leaves 1.0 core for foreign
        // load, which is what the swinging load averages. Judged by the moment, every swing would turn the verdict.
        Admission.Facts facts = facts(List.of(measured(0.4)), 0.6);
        List<Integer> turns = new ArrayList<>();
        int momentTurns = 0;
        Boolean admitted = null;
        Boolean admittedByTheMoment = null;
        for (int second = 0; second <= 180; second++) {
            foreign.add(second * SECOND, swinging(second));
            boolean admits =
                    admission.judge(second * SECOND, foreign.value(), facts) instanceof Admission.Verdict.Admit;
            if (admitted != null && admits != admitted) {
                turns.add(second);
            }
            admitted = admits;
            boolean byTheMoment = admission.decide(facts, swinging(second), true) instanceof Admission.Verdict.Admit;
            if (admittedByTheMoment != null && byTheMoment != admittedByTheMoment) {
                momentTurns++;
            }
            admittedByTheMoment = byTheMoment;
            if (second >= 90) {
                assertThat(foreign.value()).as("the average after %d s", second).isBetween(0.8, 1.2);
            }
        }
        assertThat(momentTurns).as("judged by the moment's load, the verdict would flap").isGreaterThan(40);
        assertThat(turns).as("verdict turns in 3 minutes of swinging load").hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void aVerdictDrivenByLoadHoldsTenSecondsAndNeedsAMarginToAdmitAgain() {
        Admission admission = admission();
        Admission.Facts facts = facts(List.of(measured(0.5)), 0.5);
        long t = 0;
        foreign.add(t, 0.2);
        assertThat(admission.judge(t, foreign.value(), facts)).isInstanceOf(Admission.Verdict.Admit.class);
        // A build takes 1.5 cores: the average rises until 0.5 + 0.5 + foreign passes 2 cores, then holds.
        long held = -1;
        for (int second = 1; second <= 120 && held < 0; second++) {
            t = second * SECOND;
            foreign.add(t, 1.5);
            if (admission.judge(t, foreign.value(), facts) instanceof Admission.Verdict.Hold hold) {
                assertThat(hold.reason()).isEqualTo(BusyReason.CPU);
                assertThat(hold.detail()).contains("foreign").contains("for another");
                held = t;
            }
        }
        assertThat(held).as("held once the average passed the budget").isPositive();
        assertThat(foreign.value()).isGreaterThan(0.99);
        // The build ends: the average falls, but the node admits again only 0.25 core below the budget.
        long admitted = -1;
        for (int second = 1; second <= 120 && admitted < 0; second++) {
            t = held + second * SECOND;
            foreign.add(t, 0.0);
            if (admission.judge(t, foreign.value(), facts) instanceof Admission.Verdict.Admit) {
                admitted = t;
            }
        }
        assertThat(admitted).isPositive();
        assertThat(admitted - held).as("a verdict holds at least 10 s").isGreaterThanOrEqualTo(10 * SECOND);
        assertThat(foreign.value()).as("admits again with the margin left").isLessThanOrEqualTo(0.75);
    }

    @Test
    void aRecordingStartingOrEndingTurnsTheVerdictAtOnce() {
        Admission admission = admission();
        foreign.add(0, 0.5);
        assertThat(admission.judge(0, foreign.value(), facts(List.of(), CPU)))
                .isInstanceOf(Admission.Verdict.Admit.class);
        // One second later a recording started: 0.5 + 0.9 reserved + 0.9 > 2, held without waiting 10 s.
        Admission.Verdict oneRunning = admission.judge(SECOND, foreign.value(), facts(List.of(reserved()), CPU));
        assertThat(oneRunning).isInstanceOf(Admission.Verdict.Hold.class);
        // And it ended a second after: the idle node admits again at once.
        assertThat(admission.judge(2 * SECOND, foreign.value(), facts(List.of(), CPU)))
                .isInstanceOf(Admission.Verdict.Admit.class);
    }

    @Test
    void anIdleNodeAdmitsOneRecordingWhateverTheForeignLoadUnlessMemoryIsShort() {
        Admission admission = admission();
        for (int second = 0; second <= 60; second++) {
            foreign.add(second * SECOND, 2.0);
        }
        assertThat(admission.judge(60 * SECOND, foreign.value(), facts(List.of(), CPU)))
                .as("nothing records: one is admitted")
                .isInstanceOf(Admission.Verdict.Admit.class);
        assertHeld(admission.judge(61 * SECOND, foreign.value(), facts(List.of(reserved()), CPU)), BusyReason.CPU);

        long tight = MEMORY + RESERVE - (100L << 20);
        assertHeld(admission().decide(new Admission.Facts(List.of(), true, tight, Optional.empty(), CPU, MEMORY), 0,
                true), BusyReason.MEMORY);
    }

    @Test
    void memoryIsKeptForTheReservedAndTheKernel() {
        long tight = MEMORY + RESERVE + (100L << 20);
        Admission admission = admission();
        assertThat(admission.decide(new Admission.Facts(List.of(), true, tight, Optional.empty(), CPU, MEMORY), 0,
                true)).isInstanceOf(Admission.Verdict.Admit.class);
        assertHeld(admission.decide(new Admission.Facts(List.of(reserved()), true, tight, Optional.empty(), 0.1,
                MEMORY), 0, true), BusyReason.MEMORY);
    }

    @Test
    void aMeasuredRecordingCountsWithItsOwnUseAndAnUnmeasuredOneWithItsReservation() {
        Admission admission = admission();
        // 0.2 foreign + 0.8 measured + 0.9 for the next fits 2 cores; with 0.9 reserved instead it would not.
        assertThat(admission.decide(facts(List.of(measured(0.8)), CPU), 0.2, true))
                .isInstanceOf(Admission.Verdict.Admit.class);
        assertHeld(admission.decide(facts(List.of(reserved()), CPU), 0.25, true), BusyReason.CPU);
    }

    @Test
    void noIdleSlotHolds() {
        assertHeld(admission().decide(new Admission.Facts(List.of(), false, PLENTY, Optional.empty(), CPU, MEMORY), 0,
                true), BusyReason.NO_IDLE_SLOT);
    }

    @Test
    void anOverloadedNodeAdmitsNothingMoreAndSaysWhy() {
        Admission.Verdict verdict = admission().decide(new Admission.Facts(List.of(measured(0.3)), true, PLENTY,
                Optional.of("recording r1 encodes at 0.93x"), CPU, MEMORY), 0, true);
        assertThat(verdict).isEqualTo(new Admission.Verdict.Hold(BusyReason.OVERLOADED, "recording r1 encodes at 0.93x"));
    }

    @Test
    void theOverloadGuardWatchesDeliveredFramesAsWellAsSpeed() {
        KeepUp keepUp = new KeepUp(Duration.ofSeconds(10), 30, 0.98, 0.9);
        // Real time (speed 1), but capture drops frames at the source: 20 new frames a second, none duplicated.
        for (int second = 0; second <= 10; second++) {
            keepUp.add(second * SECOND, progress(second * 20L, 0, second));
        }
        assertThat(keepUp.speed()).hasValue(1.0);
        assertThat(keepUp.behind()).hasValueSatisfying(why -> assertThat(why).contains("delivers 20.0 of 30 fps"));

        // 30 frames a second, but a third of them duplicates: 20 delivered.
        KeepUp padded = new KeepUp(Duration.ofSeconds(10), 30, 0.98, 0.9);
        for (int second = 0; second <= 10; second++) {
            padded.add(second * SECOND, progress(second * 30L, second * 10L, second));
        }
        assertThat(padded.deliveredFps()).hasValue(20.0);
        assertThat(padded.behind()).isPresent();

        KeepUp healthy = new KeepUp(Duration.ofSeconds(10), 30, 0.98, 0.9);
        for (int second = 0; second <= 10; second++) {
            healthy.add(second * SECOND, progress(second * 29L, second, second));
        }
        assertThat(healthy.behind()).as("28 fps of 30 delivered keeps up").isEmpty();

        KeepUp slow = new KeepUp(Duration.ofSeconds(10), 30, 0.98, 0.9);
        for (int second = 0; second <= 10; second++) {
            slow.add(second * SECOND, progress(second * 30L, 0, second * 0.8));
        }
        assertThat(slow.behind()).hasValueSatisfying(why -> assertThat(why).contains("0.800x"));
    }

    private static CaptureProgress progress(long frames, long duplicated, double seconds) {
        return new CaptureProgress(frames, 30, 1, duplicated, 0, Duration.ofMillis((long) (seconds * 1000)), 0);
    }

    @Test
    void whereOneMoreRecordingWithPictureIsHeldAnAudioOnlyOneStillFitsAndItsVerdictHoldsOnItsOwn() {
        Admission withPicture = admission();
        Admission audioOnly = withPicture.withOwnHold();
        // Two recordings measured at 0.5 core and half a core of foreign load: 2 - 0.5 - 1.0 leaves 0.5 core.
        List<Admission.Cost> running = List.of(measured(0.5), measured(0.5));
        long t = 0;
        assertThat(withPicture.judge(t, 0.5, facts(running, CPU))).isInstanceOf(Admission.Verdict.Hold.class);
        assertThat(audioOnly.judge(t, 0.5, facts(running, NodeConfig.DEFAULT_CPU_PER_AUDIO_RECORDING)))
                .as("an audio-only recording at its own estimate").isInstanceOf(Admission.Verdict.Admit.class);
        // The held verdict for a picture does not turn because the audio-only one admitted, nor the other way round.
        assertThat(withPicture.judge(t + SECOND, 0.5, facts(running, CPU))).isInstanceOf(Admission.Verdict.Hold.class);
    }

    @Test
    void withEverySlotTakenOnlyARecordingTheCpuHasRoomForWouldGetASlotAdded() {
        Admission admission = admission();
        // Two recordings measured at 0.5 core, half a core foreign: 0.5 core left, less the 0.25 margin.
        List<Admission.Cost> running = List.of(measured(0.5), measured(0.5));
        Admission.Facts noSlotForPicture = new Admission.Facts(running, false, PLENTY, Optional.empty(), CPU, MEMORY);
        Admission.Facts noSlotForAudio = new Admission.Facts(running, false, PLENTY, Optional.empty(),
                NodeConfig.DEFAULT_CPU_PER_AUDIO_RECORDING, MEMORY);
        assertHeld(admission.judge(0, 0.5, noSlotForAudio), BusyReason.NO_IDLE_SLOT);
        assertThat(admission.decideGivenSlot(noSlotForAudio, 0.5)).as("audio-only: 0.15 of 0.5 core left")
                .isInstanceOf(Admission.Verdict.Admit.class);
        assertHeld(admission.decideGivenSlot(noSlotForPicture, 0.5), BusyReason.CPU); // 0.9 of 0.5 core left
        assertHeld(admission.decideGivenSlot(noSlotForAudio, 0.9), BusyReason.CPU); // 0.1 left, under the margin
        Admission.Facts overloaded = new Admission.Facts(running, false, PLENTY, Optional.of("encoder at 0.9x"),
                NodeConfig.DEFAULT_CPU_PER_AUDIO_RECORDING, MEMORY);
        assertHeld(admission.decideGivenSlot(overloaded, 0), BusyReason.OVERLOADED); // encoders fall behind
        // Asking leaves the held verdict alone: it still holds for want of a slot, not turned by the question.
        assertHeld(admission.judge(SECOND, 0.5, noSlotForAudio), BusyReason.NO_IDLE_SLOT);
    }

    private static void assertHeld(Admission.Verdict verdict, BusyReason reason) {
        assertThat(verdict).isInstanceOf(Admission.Verdict.Hold.class);
        Admission.Verdict.Hold hold = (Admission.Verdict.Hold) verdict;
        assertThat(hold.reason()).as(hold.detail()).isEqualTo(reason);
        assertThat(hold.detail()).as("a reason people can act on").isNotBlank();
    }
}
