package dev.capstan.recorder.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Admission from measured load, on a 2-core host with 24 GiB, for recordings estimated at 0.9 core and 700 MB. */
class AdmissionTest {

    private static final double CPU = 0.9;
    private static final long MEMORY = 700L << 20;
    private static final long RESERVE = 512L << 20;
    private static final long PLENTY = 20L << 30;

    private static Admission.Verdict decide(double busy, long available, List<Admission.Cost> running,
            Optional<String> overload, boolean idleSlot) {
        return Admission.decide(new HostLoad(2, busy, available, 24L << 30), running, overload, idleSlot, CPU, MEMORY,
                1.0, RESERVE);
    }

    private static Admission.Cost reserved() {
        return reserved(0);
    }

    /** A recording that has started but not been measured yet, using {@code recent} cores right now. */
    private static Admission.Cost reserved(double recent) {
        return new Admission.Cost(false, CPU, recent, MEMORY);
    }

    private static Admission.Cost measured(double cpu) {
        return new Admission.Cost(true, cpu, cpu, 650L << 20);
    }

    @Test
    void anIdleHostAdmits() {
        assertThat(decide(0.1, PLENTY, List.of(), Optional.empty(), true)).isInstanceOf(Admission.Verdict.Admit.class);
    }

    @Test
    void aSecondRequestRightAfterTheFirstCountsTheFirstsReservation() {
        // The first recording has not shown its cost yet: its 0.9 reservation plus 0.9 for the next fits 2 cores.
        assertThat(decide(0.1, PLENTY, List.of(reserved()), Optional.empty(), true))
                .isInstanceOf(Admission.Verdict.Admit.class);
        // Two unmeasured recordings already hold 1.8 cores: a third does not fit, whatever the host shows now.
        assertHeld(decide(0.1, PLENTY, List.of(reserved(), reserved()), Optional.empty(), true), BusyReason.CPU);
    }

    @Test
    void aMeasuredRecordingCountsThroughTheHostsLoadInsteadOfItsReservation() {
        // 1.05 cores busy, of which the one running recording measured 0.95: one more fits (1.05 + 0.9 <= 2).
        assertThat(decide(1.05, PLENTY, List.of(measured(0.95)), Optional.empty(), true))
                .isInstanceOf(Admission.Verdict.Admit.class);
        // The same host with the recording still unmeasured reserves its 0.9 on top: 1.05 + 0.9 + 0.9 > 2.
        assertHeld(decide(1.05, PLENTY, List.of(reserved()), Optional.empty(), true), BusyReason.CPU);
    }

    @Test
    void whatAnUnmeasuredRecordingAlreadyUsesIsNotCountedTwice() {
        // 1.0 core busy, 0.6 of it the starting recording: 1.0 + (0.9 - 0.6) + 0.9 = 2.2 > 2.
        assertHeld(decide(1.0, PLENTY, List.of(reserved(0.6)), Optional.empty(), true), BusyReason.CPU);
        // 0.8 busy, 0.6 of it the starting recording: 0.8 + 0.3 + 0.9 = 2.0 fits.
        assertThat(decide(0.8, PLENTY, List.of(reserved(0.6)), Optional.empty(), true))
                .isInstanceOf(Admission.Verdict.Admit.class);
        // A starting recording above its estimate shows in the host's load and reserves nothing more.
        assertThat(decide(1.05, PLENTY, List.of(reserved(1.0)), Optional.empty(), true))
                .isInstanceOf(Admission.Verdict.Admit.class);
    }

    @Test
    void aHostBusyWithOtherWorkHoldsEvenWithIdleSlots() {
        assertHeld(decide(1.5, PLENTY, List.of(), Optional.empty(), true), BusyReason.CPU);
    }

    @Test
    void memoryIsKeptForTheReservedAndTheKernel() {
        long tight = MEMORY + RESERVE + (100L << 20);
        assertThat(decide(0.1, tight, List.of(), Optional.empty(), true)).isInstanceOf(Admission.Verdict.Admit.class);
        assertHeld(decide(0.1, tight, List.of(reserved()), Optional.empty(), true), BusyReason.MEMORY);
    }

    @Test
    void noIdleSlotHolds() {
        assertHeld(decide(0.1, PLENTY, List.of(), Optional.empty(), false), BusyReason.NO_IDLE_SLOT);
    }

    @Test
    void anOverloadedHostAdmitsNothingAndSaysWhy() {
        Admission.Verdict verdict = decide(0.1, PLENTY, List.of(), Optional.of("recording r1 encodes at 0.93x"), true);
        assertThat(verdict).isEqualTo(new Admission.Verdict.Hold(BusyReason.OVERLOADED, "recording r1 encodes at 0.93x"));
    }

    private static void assertHeld(Admission.Verdict verdict, BusyReason reason) {
        assertThat(verdict).isInstanceOf(Admission.Verdict.Hold.class);
        Admission.Verdict.Hold hold = (Admission.Verdict.Hold) verdict;
        assertThat(hold.reason()).as(hold.detail()).isEqualTo(reason);
        assertThat(hold.detail()).as("a reason people can act on").isNotBlank();
    }
}
