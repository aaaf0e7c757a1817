package dev.capstan.recorder.node;

import dev.capstan.recorder.capture.CaptureMedia;
import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.capture.RateWindow;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the host and the running recordings cost: host CPU, foreign load (everything but our slots' processes) as a
 * moving average, memory, and each recording's CPU, memory and whether it keeps up with real time. It learns from
 * each recording that ends normally what the next one will cost, and sets the overload guard while one falls behind.
 *
 * <p>Each tick reads /proc and the recordings' progress without the lock ({@link #measure}), then takes the reading
 * in under it ({@link #take}); every field is guarded by this object's lock, and readers get an immutable
 * {@link Snapshot}.
 */
final class LoadMonitor {

    private static final Logger log = LoggerFactory.getLogger(LoadMonitor.class);
    private static final Duration RECORDING_CPU_WINDOW = Duration.ofSeconds(5);
    private static final Duration MEMORY_SAMPLE_INTERVAL = Duration.ofSeconds(5);
    /** How much a newly measured recording moves the estimate that later reservations use. */
    private static final double ESTIMATE_WEIGHT = 0.3;

    /**
     * What the node knows of its host and recordings at one moment.
     *
     * @param recordings the running recordings, oldest first, each at its measured cost or its reservation
     * @param overload   set while a running recording falls behind (why, for people)
     * @param cpuEstimate what the next recording with picture is expected to cost; {@code audioCpuEstimate} the
     *                    same for an audio-only one
     */
    record Snapshot(HostLoad host, List<NodeStatus.RecordingLoad> recordings, Optional<String> overload,
            double cpuEstimate, long memoryEstimate, double audioCpuEstimate) {

        Snapshot {
            recordings = List.copyOf(recordings);
        }

        /** What the next recording of {@code media} is expected to cost. */
        double cpuEstimate(CaptureMedia media) {
            return media.hasVideo() ? cpuEstimate : audioCpuEstimate;
        }

        /** What the running recordings cost, as admission weighs them. */
        List<Admission.Cost> costs() {
            return recordings.stream().map(load -> new Admission.Cost(load.measured(), load.cpu(), load.memory()))
                    .toList();
        }

        /** Cores the running recordings use or have reserved. */
        double recordingCpu() {
            return recordings.stream().mapToDouble(NodeStatus.RecordingLoad::cpu).sum();
        }
    }

    /** One of our processes as /proc/&lt;pid&gt;/stat showed it. */
    record ProcessSample(long pid, long cpuTicks, long startTicks) {
    }

    /**
     * Everything one tick read, before any of it is taken in.
     *
     * @param hostBusy   seconds of CPU the whole host has spent busy since boot
     * @param uptime     seconds since boot, to tell a process that started since the last reading from one seen
     *                   for the first time
     * @param slots      each slot's processes, by slot name
     * @param progress   the running recordings' encoder figures
     * @param recordingMemory the proportional set size of the slots of recordings whose memory was due to be sampled
     */
    record Reading(long nanos, double hostBusy, double uptime, Map<String, List<ProcessSample>> slots,
            ProcFs.Memory memory, Map<Meter, CaptureProgress> progress, Map<Meter, Long> recordingMemory) {
    }

    /** The last reading's host figures and our processes' CPU ticks (by pid and start time). */
    private record HostReading(long nanos, double hostBusy, double uptime, Map<String, Long> ourTicks) {
    }

    /** One recording's cost as measured so far; every field is guarded by its monitor. */
    static final class Meter {
        private final RateWindow cpu = new RateWindow(RECORDING_CPU_WINDOW);
        private final KeepUp keepUp;
        /** Its measured CPU, averaged like foreign load; empty until measured. */
        private final MovingAverage cpuAverage;
        private final CaptureMedia media;
        private RecordingId id;
        private String slot;
        private Supplier<CaptureProgress> progress;
        private long firstFrameNanos;
        private long memory;
        private long memorySampledNanos;
        /** Why it falls behind, while it does. */
        private Optional<String> behind = Optional.empty();

        private Meter(KeepUp keepUp, MovingAverage cpuAverage, CaptureMedia media) {
            this.keepUp = keepUp;
            this.cpuAverage = cpuAverage;
            this.media = media;
        }

        private boolean measured() {
            return !cpuAverage.isEmpty();
        }
    }

    private final int cores;
    private final NodeConfig config;
    private final MovingAverage foreign;
    private final Set<Meter> running = new LinkedHashSet<>();
    private HostReading last;
    private HostLoad host;
    /** What the next recording is expected to cost, by what it captures: learnt from those that ended. */
    private final Map<CaptureMedia, Double> cpuEstimates = new EnumMap<>(CaptureMedia.class);
    private long memoryEstimate;
    private Optional<String> overload = Optional.empty();

    LoadMonitor(int cores, NodeConfig config) {
        this.cores = cores;
        this.config = config;
        this.foreign = new MovingAverage(config.foreignLoadWindow());
        for (CaptureMedia media : CaptureMedia.values()) {
            cpuEstimates.put(media, config.cpuPerRecording(media));
        }
        this.memoryEstimate = config.memoryPerRecording();
        ProcFs.Memory memory = ProcFs.memory();
        this.host = new HostLoad(cores, 0, 0, memory.available(), memory.total());
    }

    /**
     * A meter for a recording of {@code media} about to start; it hears the first frame before {@link #add} counts
     * it. An audio-only recording delivers no frames, so only its speed tells whether it keeps up.
     */
    Meter meter(CaptureMedia media) {
        return new Meter(new KeepUp(config.speedWindow(), config.slot().profile().frameRate(),
                config.overloadSpeed(), media.hasVideo() ? config.overloadFpsShare() : 0),
                new MovingAverage(config.foreignLoadWindow()), media);
    }

    /** The recording wrote its first frame: measuring starts from here, start-up left out. */
    synchronized void firstFrame(Meter meter, long nanos) {
        meter.firstFrameNanos = nanos;
    }

    /** Counts a recording that has started, at its reservation until it has been measured. */
    synchronized void add(Meter meter, RecordingId id, String slot, Supplier<CaptureProgress> progress) {
        meter.id = id;
        meter.slot = slot;
        meter.progress = progress;
        running.add(meter);
    }

    /**
     * A recording is over: it stops counting at once, and its measured cost refines the estimate for the next
     * reservations. Only recordings that ended normally teach anything; one whose browser died measured a
     * fraction of the real cost.
     */
    synchronized void finished(Meter meter, SlotEvent.Outcome outcome) {
        boolean wasRunning = running.remove(meter);
        updateOverload();
        if (wasRunning && meter.measured() && outcome instanceof SlotEvent.Stopped) {
            double estimate = cpuEstimates.get(meter.media);
            cpuEstimates.put(meter.media, estimate + ESTIMATE_WEIGHT * (meter.cpuAverage.value() - estimate));
            if (meter.memory > 0) {
                memoryEstimate += (long) (ESTIMATE_WEIGHT * (meter.memory - memoryEstimate));
            }
        }
    }

    synchronized Snapshot snapshot() {
        List<NodeStatus.RecordingLoad> recordings = new ArrayList<>();
        for (Meter meter : running) {
            recordings.add(new NodeStatus.RecordingLoad(meter.id.value(), meter.slot, meter.measured(),
                    meter.measured() ? meter.cpuAverage.value() : cpuEstimates.get(meter.media),
                    meter.measured() ? meter.memory : memoryEstimate, meter.keepUp.speed(),
                    meter.keepUp.deliveredFps(), meter.progress.get().fps()));
        }
        return new Snapshot(host, recordings, overload, cpuEstimates.get(CaptureMedia.AUDIO_AND_VIDEO),
                memoryEstimate, cpuEstimates.get(CaptureMedia.AUDIO_ONLY));
    }

    /**
     * Reads the host's CPU and memory, our slots' processes and the running recordings' progress (slow: /proc),
     * then takes the reading in.
     *
     * @param slotProcesses each slot's processes now, by slot name
     */
    void measure(Map<String, List<ProcessHandle>> slotProcesses) {
        long now = System.nanoTime();
        double hostBusy = ProcFs.hostBusySeconds();
        double uptime = ProcFs.uptimeSeconds();
        Map<String, List<ProcessSample>> slots = new LinkedHashMap<>();
        slotProcesses.forEach((slot, processes) -> slots.put(slot, samples(processes)));
        ProcFs.Memory memory = ProcFs.memory();
        Map<Meter, Supplier<CaptureProgress>> progressOf = new LinkedHashMap<>();
        Map<Meter, String> memoryDue = new HashMap<>();
        synchronized (this) {
            for (Meter meter : running) {
                progressOf.put(meter, meter.progress);
                if (meter.firstFrameNanos != 0 && now - meter.memorySampledNanos >= MEMORY_SAMPLE_INTERVAL.toNanos()) {
                    memoryDue.put(meter, meter.slot);
                }
            }
        }
        Map<Meter, Long> recordingMemory = new HashMap<>();
        memoryDue.forEach((meter, slot) ->
                recordingMemory.put(meter, ProcFs.pssBytes(slotProcesses.getOrDefault(slot, List.of()))));
        Map<Meter, CaptureProgress> progress = new LinkedHashMap<>();
        progressOf.forEach((meter, reader) -> progress.put(meter, reader.get()));
        take(new Reading(now, hostBusy, uptime, slots, memory, progress, recordingMemory));
    }

    private static List<ProcessSample> samples(List<ProcessHandle> processes) {
        List<ProcessSample> samples = new ArrayList<>();
        for (ProcessHandle process : processes) {
            try {
                ProcFs.ProcessStat stat = ProcFs.stat(process.pid());
                samples.add(new ProcessSample(process.pid(), stat.cpuTicks(), stat.startTicks()));
            } catch (IOException | RuntimeException e) {
                // gone meanwhile
            }
        }
        return samples;
    }

    /**
     * Takes a reading in: the host's busy CPU since the last one, less what our processes used meanwhile, is one
     * reading of foreign load; each recording's CPU, memory and keep-up follow, then the overload guard.
     */
    synchronized void take(Reading reading) {
        long now = reading.nanos();
        HostReading previous = last;
        Map<String, Long> ourTicks = new HashMap<>();
        long ourNewTicks = 0;
        for (List<ProcessSample> samples : reading.slots().values()) {
            for (ProcessSample sample : samples) {
                String key = sample.pid() + "@" + sample.startTicks();
                ourTicks.put(key, sample.cpuTicks());
                Long before = previous == null ? null : previous.ourTicks().get(key);
                if (before != null) {
                    ourNewTicks += sample.cpuTicks() - before;
                } else if (previous != null && sample.startTicks() / ProcFs.TICKS_PER_SECOND >= previous.uptime()) {
                    ourNewTicks += sample.cpuTicks(); // started since the last reading
                }
            }
        }
        last = new HostReading(now, reading.hostBusy(), reading.uptime(), ourTicks);
        double busy = host.cpuBusy();
        if (previous != null && now > previous.nanos()) {
            double seconds = (now - previous.nanos()) / 1e9;
            busy = Math.max(0, (reading.hostBusy() - previous.hostBusy()) / seconds);
            foreign.add(now, Math.max(0, busy - ourNewTicks / ProcFs.TICKS_PER_SECOND / seconds));
        }
        host = new HostLoad(cores, busy, foreign.value(), reading.memory().available(), reading.memory().total());
        reading.progress().forEach((meter, progress) -> {
            long slotTicks = reading.slots().getOrDefault(meter.slot, List.of()).stream()
                    .mapToLong(ProcessSample::cpuTicks).sum();
            meter.behind = measure(meter, now, slotTicks / ProcFs.TICKS_PER_SECOND,
                    Optional.ofNullable(reading.recordingMemory().get(meter)), progress);
        });
        updateOverload();
    }

    /**
     * One recording's CPU (measured once a whole window of samples lies after its first frame, so that start-up
     * spikes are left out), memory, encoder speed and delivered frame rate. Returns why it falls behind, if it does.
     */
    private Optional<String> measure(Meter meter, long now, double cpuSeconds, Optional<Long> memory,
            CaptureProgress progress) {
        meter.cpu.add(now, cpuSeconds);
        if (meter.firstFrameNanos == 0) {
            return Optional.empty();
        }
        memory.ifPresent(bytes -> {
            meter.memory = bytes;
            meter.memorySampledNanos = now;
        });
        meter.keepUp.add(now, progress);
        OptionalDouble rate = meter.cpu.rate();
        if (now - meter.firstFrameNanos >= RECORDING_CPU_WINDOW.toNanos() && rate.isPresent()) {
            if (!meter.measured()) {
                log.info("recording {} on {} measured: {} cores, {} MB", meter.id, meter.slot,
                        String.format(Locale.ROOT, "%.2f", rate.getAsDouble()), meter.memory >> 20);
            }
            meter.cpuAverage.add(now, rate.getAsDouble());
        }
        return meter.keepUp.behind().map(why -> "recording " + meter.id + " on " + meter.slot + " " + why);
    }

    /**
     * The overload guard: set while a running recording falls behind, from the running recordings alone, so that
     * one that has ended stops counting at once.
     */
    private void updateOverload() {
        List<String> slow = running.stream().flatMap(meter -> meter.behind.stream()).toList();
        Optional<String> now = slow.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", slow));
        if (now.isPresent() && overload.isEmpty()) {
            log.warn("node overloaded, admitting nothing new: {}", now.get());
        } else if (now.isEmpty() && overload.isPresent()) {
            log.info("node no longer overloaded; admitting again");
        }
        overload = now;
    }
}
