package dev.capstan.recorder.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.capstan.recorder.capture.CaptureMedia;
import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.slot.CaptureSpan;
import dev.capstan.recorder.slot.Failure;
import dev.capstan.recorder.slot.SlotConfig;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.recorder.slot.StopCause;
import dev.capstan.storage.archive.RecordingId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The load monitor's arithmetic on given readings, as a tick would take them from /proc, on a 2-core host with the
 * defaults: 0.9 core and 700 MB reserved per recording, a 30-s average of foreign load, a 10-s keep-up window.
 */
class LoadMonitorTest {

    private static final long SECOND = 1_000_000_000L;
    private static final long MB = 1L << 20;
    private static final ProcFs.Memory MEMORY = new ProcFs.Memory(20_000 * MB, 24_000 * MB);

    private final LoadMonitor monitor = new LoadMonitor(2, NodeConfig.defaults(SlotConfig.defaults()));
    private final long t0 = System.nanoTime();

    private static LoadMonitor.ProcessSample process(long pid, double cpuSeconds, double startedAtUptime) {
        return new LoadMonitor.ProcessSample(pid, Math.round(cpuSeconds * ProcFs.TICKS_PER_SECOND),
                Math.round(startedAtUptime * ProcFs.TICKS_PER_SECOND));
    }

    private LoadMonitor.Reading host(int second, double hostBusy, LoadMonitor.ProcessSample... slot1) {
        return new LoadMonitor.Reading(t0 + second * SECOND, hostBusy, 1000 + second,
                Map.of("slot-1", List.of(slot1)), MEMORY, Map.of(), Map.of());
    }

    @Test
    void foreignLoadIsTheHostsBusyCpuLessWhatOurProcessesUsedMeanwhile() {
        monitor.take(host(0, 100, process(10, 10, 500), process(11, 5, 600)));
        assertThat(monitor.snapshot().host().foreignCpu()).as("nothing to compare with yet").isZero();

        // A second later: 1.5 cores busy. Process 10 used 0.5 s; 12 started since and used 0.3 s; 13 is seen for
        // the first time but started long ago, so its 4 s are not this second's; 11 is gone.
        monitor.take(host(1, 101.5, process(10, 10.5, 500), process(12, 0.3, 1000.5), process(13, 4, 900)));
        HostLoad load = monitor.snapshot().host();
        assertThat(load.cpuBusy()).isCloseTo(1.5, within(1e-9));
        assertThat(load.foreignCpu()).as("1.5 - 0.5 - 0.3").isCloseTo(0.7, within(1e-9));
        assertThat(load.memoryAvailable()).isEqualTo(MEMORY.available());

        // Then 0.2 core foreign for a second moves the 30-s average by 1 - e^(-1/30) of the way.
        monitor.take(host(2, 101.7, process(10, 10.5, 500), process(12, 0.3, 1000.5), process(13, 4, 900)));
        assertThat(monitor.snapshot().host().foreignCpu())
                .isCloseTo(0.7 + (0.2 - 0.7) * (1 - Math.exp(-1.0 / 30)), within(1e-9));
    }

    @Test
    void aRecordingCountsAtItsReservationUntilAWholeWindowAfterItsFirstFrameAndThenTeachesTheEstimate() {
        LoadMonitor.Meter meter = start("r1");
        LoadMonitor.Snapshot reserved = monitor.snapshot();
        assertThat(reserved.recordings()).singleElement().satisfies(load -> {
            assertThat(load.measured()).isFalse();
            assertThat(load.cpu()).isEqualTo(NodeConfig.DEFAULT_CPU_PER_RECORDING);
            assertThat(load.memory()).isEqualTo(NodeConfig.DEFAULT_MEMORY_PER_RECORDING);
        });
        // Start-up takes a whole core for two seconds before the first frame; then 0.8 core steady.
        recordSteadily(meter, -2, 0, 1.0);
        recordSteadily(meter, -1, 0, 1.0);
        monitor.firstFrame(meter, t0);
        for (int second = 0; second <= 5; second++) {
            assertThat(monitor.snapshot().recordings().get(0).measured()).as("measured before %d s", second)
                    .isFalse();
            recordSteadily(meter, second, second, 0.8);
        }
        NodeStatus.RecordingLoad measured = monitor.snapshot().recordings().get(0);
        assertThat(measured.measured()).isTrue();
        assertThat(measured.cpu()).as("start-up left out").isCloseTo(0.8, within(1e-9));
        assertThat(measured.memory()).isEqualTo(650 * MB);
        assertThat(monitor.snapshot().costs()).containsExactly(new Admission.Cost(true, measured.cpu(), 650 * MB));

        monitor.finished(meter, new SlotEvent.Stopped(RecordingId.of("r1"), Optional.empty(), CaptureProgress.NONE,
                StopCause.REQUESTED, new CaptureSpan(Instant.EPOCH, Instant.EPOCH, CaptureSpan.EncoderEnd.DRAINED)));
        LoadMonitor.Snapshot after = monitor.snapshot();
        assertThat(after.recordings()).isEmpty();
        assertThat(after.cpuEstimate()).isCloseTo(0.9 + 0.3 * (0.8 - 0.9), within(1e-9));
        assertThat(after.memoryEstimate()).isEqualTo(700 * MB + (long) (0.3 * (650 * MB - 700 * MB)));
    }

    @Test
    void aRecordingThatFailedTeachesNothing() {
        LoadMonitor.Meter meter = start("r1");
        monitor.firstFrame(meter, t0);
        for (int second = 0; second <= 6; second++) {
            recordSteadily(meter, second, second, 0.3);
        }
        assertThat(monitor.snapshot().recordings().get(0).measured()).isTrue();
        monitor.finished(meter, new SlotEvent.Failed(RecordingId.of("r1"),
                new Failure(Failure.Reason.SLOT_DIED, "browser not answering")));
        assertThat(monitor.snapshot().cpuEstimate()).isEqualTo(NodeConfig.DEFAULT_CPU_PER_RECORDING);
        assertThat(monitor.snapshot().memoryEstimate()).isEqualTo(NodeConfig.DEFAULT_MEMORY_PER_RECORDING);
    }

    @Test
    void theOverloadGuardHoldsWhileARecordingFallsBehindAndLetsGoTheMomentItEnds() {
        LoadMonitor.Meter meter = start("r1");
        monitor.firstFrame(meter, t0);
        for (int second = 0; second <= 10; second++) {
            recordAt(meter, second, second * 0.8, 0.5);
        }
        assertThat(monitor.snapshot().overload()).hasValueSatisfying(why ->
                assertThat(why).startsWith("recording r1 on slot-1 encodes at 0.800x"));
        assertThat(monitor.snapshot().recordings().get(0).encoderSpeed()).hasValue(0.8);

        monitor.finished(meter, new SlotEvent.Failed(RecordingId.of("r1"), new Failure(Failure.Reason.CAPTURE_DIED,
                "killed")));
        assertThat(monitor.snapshot().overload()).isEmpty();
    }

    @Test
    void anAudioOnlyRecordingIsReservedAtItsOwnCostKeepsUpWithoutFramesAndTeachesOnlyItsOwnEstimate() {
        LoadMonitor.Meter meter = monitor.meter(CaptureMedia.AUDIO_ONLY);
        monitor.add(meter, RecordingId.of("a1"), "slot-1", () -> CaptureProgress.NONE);
        assertThat(monitor.snapshot().recordings()).singleElement().satisfies(load ->
                assertThat(load.cpu()).isEqualTo(NodeConfig.DEFAULT_CPU_PER_AUDIO_RECORDING));
        assertThat(monitor.snapshot().cpuEstimate(CaptureMedia.AUDIO_ONLY))
                .isEqualTo(NodeConfig.DEFAULT_CPU_PER_AUDIO_RECORDING);
        monitor.firstFrame(meter, t0);
        for (int second = 0; second <= 10; second++) {
            // Sound in real time and no frame at all: that is how an audio-only capture keeps up.
            CaptureProgress sound = new CaptureProgress(0, 0, 1, 0, 0, Duration.ofSeconds(second), 0);
            monitor.take(new LoadMonitor.Reading(t0 + second * SECOND, 100 + second * 2.0, 1000 + second,
                    Map.of("slot-1", List.of(process(20, 2.0 + second * 0.2, 990))), MEMORY, Map.of(meter, sound),
                    Map.of(meter, 300 * MB)));
        }
        assertThat(monitor.snapshot().overload()).as("no frames is no overload for sound alone").isEmpty();
        assertThat(monitor.snapshot().recordings().get(0).cpu()).isCloseTo(0.2, within(1e-9));

        monitor.finished(meter, new SlotEvent.Stopped(RecordingId.of("a1"), Optional.empty(), CaptureProgress.NONE,
                StopCause.REQUESTED, new CaptureSpan(Instant.EPOCH, Instant.EPOCH, CaptureSpan.EncoderEnd.DRAINED)));
        LoadMonitor.Snapshot after = monitor.snapshot();
        assertThat(after.cpuEstimate(CaptureMedia.AUDIO_ONLY)).isCloseTo(NodeConfig.DEFAULT_CPU_PER_AUDIO_RECORDING
                + 0.3 * (0.2 - NodeConfig.DEFAULT_CPU_PER_AUDIO_RECORDING), within(1e-9));
        assertThat(after.cpuEstimate()).as("a recording with picture").isEqualTo(NodeConfig.DEFAULT_CPU_PER_RECORDING);
    }

    private LoadMonitor.Meter start(String id) {
        LoadMonitor.Meter meter = monitor.meter(CaptureMedia.AUDIO_AND_VIDEO);
        monitor.add(meter, RecordingId.of(id), "slot-1", () -> CaptureProgress.NONE);
        return meter;
    }

    /** A reading at {@code second} of a recording that keeps up with real time, {@code recorded} seconds in. */
    private void recordSteadily(LoadMonitor.Meter meter, int second, double recorded, double cores) {
        recordAt(meter, second, Math.max(0, recorded), cores);
    }

    /** One reading: slot-1's only process has used {@code cores} per second since second -2. */
    private void recordAt(LoadMonitor.Meter meter, int second, double recorded, double cores) {
        double cpu = second <= 0 ? (second + 2) * 1.0 : 2.0 + second * cores;
        CaptureProgress progress = new CaptureProgress(Math.round(recorded * 30), 30, 1, 0, 0,
                Duration.ofMillis(Math.round(recorded * 1000)), 0);
        monitor.take(new LoadMonitor.Reading(t0 + second * SECOND, 100 + second * 2.0, 1000 + second,
                Map.of("slot-1", List.of(process(20, cpu, 990))), MEMORY, Map.of(meter, progress),
                Map.of(meter, 650 * MB)));
    }
}
