package dev.capstan.recorder.node;

import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.capture.RateWindow;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.Slot;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.recorder.slot.SlotException;
import dev.capstan.recorder.slot.SlotState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent: a pool of warm slots on one host, and the judge of how many recordings the host can take.
 *
 * <p>Slots are warmed ahead of demand, one at a time so that warming never competes with running recordings for
 * long, and go back to the pool after each recording. A slot whose parts die is rebuilt; one that has been used
 * or alive long enough is recycled. Requests start at once when a slot is idle and measured load leaves room;
 * otherwise they wait in a queue for as long as their caller allows, and a caller that cannot wait is told at
 * once that the node is busy, and why. {@link Admission} decides what fits, from foreign load (everything on the
 * host but our slots' processes) smoothed over tens of seconds and the running recordings' own measured cost.
 */
public final class Node implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Node.class);
    private static final Duration TICK = Duration.ofSeconds(1);
    private static final Duration RECORDING_CPU_WINDOW = Duration.ofSeconds(5);
    /** How often the queue's head and length are logged while requests wait. */
    private static final Duration QUEUE_REPORT_INTERVAL = Duration.ofSeconds(10);
    private static final Duration MEMORY_SAMPLE_INTERVAL = Duration.ofSeconds(5);
    private static final Duration MAX_WARM_RETRY = Duration.ofMinutes(5);
    /**
     * Starting Chromium takes every core this host has for about three seconds (measured on 2 vCPUs); a warm-up
     * while recordings run waits until this much CPU is free, so that rebuilding one slot never starves another.
     */
    private static final double WARM_UP_CPU = 1.5;
    /** How much a newly measured recording moves the estimate that later reservations use. */
    private static final double ESTIMATE_WEIGHT = 0.3;

    private final NodeConfig config;
    private final int cores = Runtime.getRuntime().availableProcessors();
    private final List<Slot> slots = new ArrayList<>();
    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(named("node"));
    /** Warm-ups, recycling and health checks: slow, and one at a time so they never pile onto the CPU. */
    private final ExecutorService maintenance = Executors.newSingleThreadExecutor(named("node-maintenance"));

    private final Deque<Pending> queue = new ArrayDeque<>();
    private final Map<Recording, Tracked> running = new LinkedHashMap<>();
    private final Set<Slot> inMaintenance = new HashSet<>();
    private final Set<Slot> healthChecks = new HashSet<>();
    private final Map<Slot, WarmRetry> warmRetries = new LinkedHashMap<>();
    private final Map<Slot, Long> lastHealthCheck = new LinkedHashMap<>();
    private final Admission admission;
    private final List<Runnable> admissionWatchers = new CopyOnWriteArrayList<>();
    private HostLoad load;
    private boolean admitting;
    private long lastQueueReportNanos;
    /** The last CPU readings, to tell the host's busy time since from ours; touched by the node thread only. */
    private HostReading lastReading;
    private double cpuEstimate;
    private long memoryEstimate;
    private Optional<String> overload = Optional.empty();
    private boolean closed;

    /** A request waiting for room. */
    private record Pending(RecordingRequest request, Consumer<SlotEvent> listener, long queuedNanos,
            long deadlineNanos, CompletableFuture<Recording> started) {
    }

    /**
     * The host's busy seconds and our slots' processes' CPU ticks (by pid and start time) at one moment.
     *
     * @param uptime seconds since boot, to tell a process that started since from one seen for the first time
     */
    private record HostReading(long nanos, double hostBusy, double uptime, Map<String, Long> ourTicks) {
    }

    /** What the node knows of a running recording's cost; every field but the first frame's time under its lock. */
    private static final class Tracked {
        final Slot slot;
        final RateWindow cpu = new RateWindow(RECORDING_CPU_WINDOW);
        final KeepUp keepUp;
        volatile long firstFrameNanos;
        /** Its measured CPU as a moving average like foreign load's; NaN until measured. */
        double cpuAverage = Double.NaN;
        long averagedAt;
        long memory;
        long memorySampledNanos;
        /** Why it falls behind, while it does. */
        Optional<String> behind = Optional.empty();

        Tracked(Slot slot, KeepUp keepUp) {
            this.slot = slot;
            this.keepUp = keepUp;
        }

        boolean measured() {
            return !Double.isNaN(cpuAverage);
        }
    }

    /** Back-off for a slot that keeps failing to warm up, so a missing browser does not spin the CPU. */
    private record WarmRetry(int failures, long notBeforeNanos, String lastFailure) {
    }

    private Node(NodeConfig config) {
        this.config = config;
        this.cpuEstimate = config.cpuPerRecording();
        this.memoryEstimate = config.memoryPerRecording();
        this.admission = new Admission(cores, config);
        ProcFs.Memory memory = ProcFs.memory();
        this.load = new HostLoad(cores, 0, 0, memory.available(), memory.total());
    }

    /** Creates the slots and starts warming them in the background; returns at once. */
    public static Node start(NodeConfig config) {
        Slot.sweepAbandoned(config.slot().workDirectory());
        Node node = new Node(config);
        int count = config.slotCount(node.cores);
        for (int i = 1; i <= count; i++) {
            node.slots.add(new Slot("slot-" + i, config.slot(), state -> node.wake()));
        }
        log.info("node: {} slots on {} cores ({} per recording estimated)", count, node.cores,
                String.format(Locale.ROOT, "%.2f cores", config.cpuPerRecording()));
        node.control.scheduleWithFixedDelay(node::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
        return node;
    }

    private static ThreadFactory named(String name) {
        return task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * Starts a recording on an idle slot as soon as the host has room, waiting at most {@code maxWait}.
     * The future completes with the running recording, or fails with {@link NodeBusyException}: at once when
     * {@code maxWait} is zero and the node is full, or when the wait runs out. Cancelling it leaves the queue.
     */
    public CompletableFuture<Recording> record(RecordingRequest request, Consumer<SlotEvent> listener, Duration maxWait) {
        CompletableFuture<Recording> started = new CompletableFuture<>();
        long now = System.nanoTime();
        Pending pending = new Pending(request, listener, now, now + maxWait.toNanos(), started);
        synchronized (this) {
            if (closed) {
                started.completeExceptionally(new NodeBusyException(BusyReason.SHUT_DOWN, "the node is shutting down"));
                return started;
            }
            Optional<String> unusable = unusable();
            if (unusable.isPresent()) {
                started.completeExceptionally(new NodeBusyException(BusyReason.UNAVAILABLE, unusable.get()));
                return started;
            }
            if (queue.isEmpty()) {
                Admission.Verdict verdict = verdict();
                if (verdict instanceof Admission.Verdict.Admit && startOnIdleSlot(pending)) {
                    return started;
                }
                if (maxWait.isZero() || maxWait.isNegative()) {
                    Admission.Verdict.Hold hold = verdict instanceof Admission.Verdict.Hold h ? h
                            : new Admission.Verdict.Hold(BusyReason.NO_IDLE_SLOT, "no slot could take it");
                    started.completeExceptionally(new NodeBusyException(hold.reason(), hold.detail()));
                    return started;
                }
            } else if (maxWait.isZero() || maxWait.isNegative()) {
                started.completeExceptionally(new NodeBusyException(BusyReason.NO_IDLE_SLOT,
                        queue.size() + " requests are already waiting"));
                return started;
            }
            if (queue.size() >= config.maxQueueLength()) {
                started.completeExceptionally(new NodeBusyException(BusyReason.QUEUE_FULL,
                        queue.size() + " requests are already waiting"));
                return started;
            }
            queue.addLast(pending);
            log.info("recording {} queued (position {}, waits up to {} s): {}", request.id(), queue.size(),
                    maxWait.toSeconds(), describe(verdict()));
            if (queue.size() == 1) {
                lastQueueReportNanos = now;
            }
        }
        started.whenComplete((recording, failure) -> {
            if (started.isCancelled()) {
                synchronized (this) {
                    queue.remove(pending);
                }
            }
        });
        return started;
    }

    /** How long a caller that can wait should wait for room ({@link NodeConfig#queueTimeout()}). */
    public Duration queueTimeout() {
        return config.queueTimeout();
    }

    /** What the node is doing and what it costs, right now. */
    public synchronized NodeStatus status() {
        List<NodeStatus.SlotStatus> slotStatus = new ArrayList<>();
        for (Slot slot : slots) {
            SlotState state = slot.state();
            Optional<String> recordingId = state instanceof SlotState.Busy busy
                    ? Optional.of(busy.recordingId().value()) : Optional.empty();
            Optional<String> failure = state instanceof SlotState.Broken broken
                    ? Optional.of(broken.failure().toString()) : Optional.empty();
            slotStatus.add(new NodeStatus.SlotStatus(slot.name(), stateName(state), recordingId, slot.uses(),
                    slot.warmSince(), failure));
        }
        List<NodeStatus.RecordingLoad> recordings = new ArrayList<>();
        running.forEach((recording, tracked) -> recordings.add(new NodeStatus.RecordingLoad(
                recording.id().value(), tracked.slot.name(), tracked.measured(),
                tracked.measured() ? tracked.cpuAverage : cpuEstimate,
                tracked.measured() ? tracked.memory : memoryEstimate, tracked.keepUp.speed(),
                tracked.keepUp.deliveredFps(), recording.progress().fps())));
        Optional<NodeStatus.Hold> busy = verdict() instanceof Admission.Verdict.Hold hold
                ? Optional.of(new NodeStatus.Hold(hold.reason(), hold.detail())) : Optional.empty();
        long now = System.nanoTime();
        List<NodeStatus.Waiting> waiting = new ArrayList<>();
        for (Pending pending : queue) {
            waiting.add(new NodeStatus.Waiting(pending.request().id().value(), waiting.size() + 1,
                    Duration.ofNanos(now - pending.queuedNanos()),
                    Duration.ofNanos(Math.max(0, pending.deadlineNanos() - now))));
        }
        return new NodeStatus(load, cpuEstimate, memoryEstimate, slotStatus, recordings, queue.size(), waiting, busy,
                overload);
    }

    /**
     * Runs {@code watcher} (on the node's thread) whenever the node turns from admitting to holding or back, so
     * that whoever advertises its availability (Jibri's brewery presence) follows at once.
     */
    public void onAdmissionChange(Runnable watcher) {
        admissionWatchers.add(watcher);
    }

    private static String stateName(SlotState state) {
        return state.getClass().getSimpleName().toLowerCase(Locale.ROOT);
    }

    /** Something changed (a slot freed up, say): look at the queue soon, on the node's own thread. */
    private void wake() {
        wake(this::dispatch);
    }

    private void wake(Runnable job) {
        try {
            control.execute(job);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    private void tick() {
        try {
            measure();
            maintainSlots();
            dispatch();
        } catch (RuntimeException e) {
            log.error("node tick failed", e);
        }
    }

    /**
     * Reads the host's CPU and memory, our slots' processes and the running recordings' progress (slow: /proc),
     * then updates foreign load, the recordings' costs and the overload guard under the lock, where they are read.
     */
    private void measure() {
        long now = System.nanoTime();
        Map<Slot, List<ProcessHandle>> processes = new LinkedHashMap<>();
        slots.forEach(slot -> processes.put(slot, slot.processes()));
        double hostBusy = ProcFs.hostBusySeconds();
        double uptime = ProcFs.uptimeSeconds();
        Map<String, Long> ourTicks = new HashMap<>();
        Map<Slot, Long> slotTicks = new HashMap<>();
        long ourNewTicks = 0;
        for (Map.Entry<Slot, List<ProcessHandle>> entry : processes.entrySet()) {
            long ticks = 0;
            for (ProcessHandle process : entry.getValue()) {
                try {
                    ProcFs.ProcessStat stat = ProcFs.stat(process.pid());
                    String key = process.pid() + "@" + stat.startTicks();
                    ourTicks.put(key, stat.cpuTicks());
                    ticks += stat.cpuTicks();
                    Long before = lastReading == null ? null : lastReading.ourTicks().get(key);
                    if (before != null) {
                        ourNewTicks += stat.cpuTicks() - before;
                    } else if (lastReading != null
                            && stat.startTicks() / ProcFs.TICKS_PER_SECOND >= lastReading.uptime()) {
                        ourNewTicks += stat.cpuTicks(); // started since the last reading
                    }
                } catch (java.io.IOException | RuntimeException e) {
                    // gone meanwhile
                }
            }
            slotTicks.put(entry.getKey(), ticks);
        }
        ProcFs.Memory memory = ProcFs.memory();
        List<Map.Entry<Recording, Tracked>> entries;
        Map<Tracked, Long> memoryDue = new HashMap<>();
        synchronized (this) {
            entries = new ArrayList<>(running.entrySet());
            for (Map.Entry<Recording, Tracked> entry : entries) {
                Tracked tracked = entry.getValue();
                if (tracked.firstFrameNanos != 0
                        && now - tracked.memorySampledNanos >= MEMORY_SAMPLE_INTERVAL.toNanos()) {
                    memoryDue.put(tracked, 0L);
                }
            }
        }
        memoryDue.replaceAll((tracked, ignored) -> ProcFs.pssBytes(processes.getOrDefault(tracked.slot, List.of())));
        Map<Recording, CaptureProgress> progress = new HashMap<>();
        entries.forEach(entry -> progress.put(entry.getKey(), entry.getKey().progress()));

        HostReading previous = lastReading;
        lastReading = new HostReading(now, hostBusy, uptime, ourTicks);
        synchronized (this) {
            double busy = load.cpuBusy();
            if (previous != null && now > previous.nanos()) {
                double seconds = (now - previous.nanos()) / 1e9;
                busy = Math.max(0, (hostBusy - previous.hostBusy()) / seconds);
                admission.observeForeign(now, busy - ourNewTicks / ProcFs.TICKS_PER_SECOND / seconds);
            }
            load = new HostLoad(cores, busy, admission.foreignLoad(), memory.available(), memory.total());
            for (Map.Entry<Recording, Tracked> entry : entries) {
                entry.getValue().behind = measureRecording(entry.getKey(), entry.getValue(), now,
                        slotTicks.getOrDefault(entry.getValue().slot, 0L) / ProcFs.TICKS_PER_SECOND,
                        Optional.ofNullable(memoryDue.get(entry.getValue())), progress.get(entry.getKey()));
            }
            updateOverload();
        }
    }

    /**
     * One recording's CPU (measured once a whole window of samples lies after its first frame, so that start-up
     * spikes are left out), memory, encoder speed and delivered frame rate. Returns why it falls behind, if it does.
     */
    private Optional<String> measureRecording(Recording recording, Tracked tracked, long now, double cpuSeconds,
            Optional<Long> memory, CaptureProgress progress) {
        tracked.cpu.add(now, cpuSeconds);
        if (tracked.firstFrameNanos == 0) {
            return Optional.empty();
        }
        memory.ifPresent(bytes -> {
            tracked.memory = bytes;
            tracked.memorySampledNanos = now;
        });
        tracked.keepUp.add(now, progress);
        OptionalDouble rate = tracked.cpu.rate();
        if (now - tracked.firstFrameNanos >= RECORDING_CPU_WINDOW.toNanos() && rate.isPresent()) {
            if (!tracked.measured()) {
                tracked.cpuAverage = rate.getAsDouble();
                log.info("recording {} on {} measured: {} cores, {} MB", recording.id(), tracked.slot.name(),
                        String.format(Locale.ROOT, "%.2f", rate.getAsDouble()), tracked.memory >> 20);
            } else {
                double seconds = (now - tracked.averagedAt) / 1e9;
                tracked.cpuAverage += (1 - Math.exp(-seconds / (config.foreignLoadWindow().toNanos() / 1e9)))
                        * (rate.getAsDouble() - tracked.cpuAverage);
            }
            tracked.averagedAt = now;
        }
        return tracked.keepUp.behind().map(why -> "recording " + recording.id() + " on " + tracked.slot.name() + " "
                + why);
    }

    /**
     * The overload guard: set while a running recording falls behind, from the running recordings alone, so that
     * one that has ended stops counting at once.
     */
    private synchronized void updateOverload() {
        List<String> slow = running.values().stream().flatMap(tracked -> tracked.behind.stream()).toList();
        Optional<String> now = slow.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", slow));
        if (now.isPresent() && overload.isEmpty()) {
            log.warn("node overloaded, admitting nothing new: {}", now.get());
        } else if (now.isEmpty() && overload.isPresent()) {
            log.info("node no longer overloaded; admitting again");
        }
        overload = now;
    }

    /** Warms cold and broken slots, recycles worn ones and checks idle ones, each on the maintenance thread. */
    private void maintainSlots() {
        long now = System.nanoTime();
        for (Slot slot : slots) {
            SlotState state = slot.state();
            synchronized (this) {
                if (closed || inMaintenance.contains(slot)) {
                    continue;
                }
                if (state instanceof SlotState.Cold || state instanceof SlotState.Broken) {
                    WarmRetry retry = warmRetries.get(slot);
                    if ((retry == null || now >= retry.notBeforeNanos()) && roomToWarm()) {
                        maintain(slot, () -> warm(slot));
                    }
                } else if (state instanceof SlotState.Idle && isWorn(slot) && roomToWarm()) {
                    maintain(slot, () -> {
                        if (slot.retire()) {
                            warm(slot);
                        }
                    });
                } else if (state instanceof SlotState.Idle && !healthChecks.contains(slot)
                        && now - lastHealthCheck.getOrDefault(slot, 0L) >= config.healthCheckInterval().toNanos()) {
                    lastHealthCheck.put(slot, now);
                    healthChecks.add(slot);
                    // Not marked as in maintenance: a quick check must not make the slot look taken. The slot's
                    // own lock orders the check and a recording that starts meanwhile.
                    maintenance.execute(() -> {
                        try {
                            slot.checkHealth();
                        } finally {
                            synchronized (this) {
                                healthChecks.remove(slot);
                            }
                        }
                    });
                }
            }
        }
    }

    /** Warming up is free while nothing records; otherwise it needs spare CPU, like a recording does. */
    private boolean roomToWarm() {
        if (running.isEmpty()) {
            return true;
        }
        double recordings = costs().stream().mapToDouble(Admission.Cost::cpu).sum();
        return admission.foreignLoad() + recordings + WARM_UP_CPU <= cores * config.cpuBudget();
    }

    private boolean isWorn(Slot slot) {
        boolean used = config.recycleAfterUses() > 0 && slot.uses() >= config.recycleAfterUses();
        boolean old = !config.recycleAfterAge().isZero() && slot.warmSince()
                .map(since -> Duration.between(since, Instant.now()).compareTo(config.recycleAfterAge()) >= 0)
                .orElse(false);
        return used || old;
    }

    /** Runs a slow job (warming, recycling) on a slot; the slot is not handed out meanwhile. */
    private void maintain(Slot slot, Runnable job) {
        inMaintenance.add(slot);
        maintenance.execute(() -> {
            try {
                job.run();
            } finally {
                synchronized (this) {
                    inMaintenance.remove(slot);
                }
                wake();
            }
        });
    }

    private void warm(Slot slot) {
        try {
            slot.warmUp();
            synchronized (this) {
                warmRetries.remove(slot);
            }
        } catch (SlotException e) {
            synchronized (this) {
                int failures = warmRetries.containsKey(slot) ? warmRetries.get(slot).failures() + 1 : 1;
                Duration wait = Duration.ofSeconds(Math.min(MAX_WARM_RETRY.toSeconds(), 5L << Math.min(failures, 6)));
                warmRetries.put(slot, new WarmRetry(failures, System.nanoTime() + wait.toNanos(), e.failure().toString()));
                log.error("{} could not warm up ({}); trying again in {} s", slot.name(), e.failure(), wait.toSeconds());
            }
        } catch (IllegalStateException e) {
            log.debug("{} not warmed: {}", slot.name(), e.getMessage());
        }
    }

    /**
     * Set when no slot could be warmed up on its last try (a browser, display or sound server missing, say):
     * waiting would not help, so requests are refused at once with the reason.
     */
    private Optional<String> unusable() {
        if (slots.isEmpty() || !warmRetries.keySet().containsAll(slots)
                || slots.stream().anyMatch(slot -> inMaintenance.contains(slot) || !(slot.state() instanceof SlotState.Broken))) {
            return Optional.empty();
        }
        return Optional.of("no slot can warm up: " + String.join("; ", slots.stream()
                .map(slot -> slot.name() + ": " + warmRetries.get(slot).lastFailure()).toList()));
    }

    /** Starts waiting requests in order while there is room; drops those whose wait ran out. */
    private synchronized void dispatch() {
        long now = System.nanoTime();
        Optional<String> unusable = unusable();
        if (unusable.isPresent()) {
            queue.forEach(pending -> pending.started().completeExceptionally(
                    new NodeBusyException(BusyReason.UNAVAILABLE, unusable.get())));
            queue.clear();
        }
        while (!queue.isEmpty()) {
            Pending head = queue.peekFirst();
            if (head.started().isDone()) {
                queue.removeFirst();
                continue;
            }
            Admission.Verdict verdict = verdict();
            if (verdict instanceof Admission.Verdict.Admit && startOnIdleSlot(head)) {
                queue.removeFirst();
                continue;
            }
            break;
        }
        if (!queue.isEmpty() && now - lastQueueReportNanos >= QUEUE_REPORT_INTERVAL.toNanos()) {
            lastQueueReportNanos = now;
            Pending head = queue.peekFirst();
            log.info("{} request(s) waiting; first, recording {} has waited {} s ({} s left): {}", queue.size(),
                    head.request().id(), Duration.ofNanos(now - head.queuedNanos()).toSeconds(),
                    Duration.ofNanos(Math.max(0, head.deadlineNanos() - now)).toSeconds(), describe(verdict()));
        }
        queue.removeIf(pending -> {
            if (now - pending.deadlineNanos() < 0) {
                return false;
            }
            log.warn("recording {} gave up waiting: {}", pending.request().id(), describe(verdict()));
            pending.started().completeExceptionally(
                    new NodeBusyException(BusyReason.QUEUE_TIMEOUT, "waited too long; " + describe(verdict())));
            return true;
        });
    }

    private static String describe(Admission.Verdict verdict) {
        return verdict instanceof Admission.Verdict.Hold hold ? hold.reason() + " (" + hold.detail() + ")" : "room";
    }

    /** Admission's verdict now; a turn from admitting to holding or back is logged and told to the watchers. */
    private Admission.Verdict verdict() {
        Admission.Verdict verdict = admission.judge(System.nanoTime(), new Admission.Facts(costs(),
                idleSlot().isPresent(), load.memoryAvailable(), overload, cpuEstimate, memoryEstimate));
        boolean admitsNow = verdict instanceof Admission.Verdict.Admit;
        if (admitsNow != admitting) {
            admitting = admitsNow;
            log.info("node {}", admitsNow ? "admits another recording" : "holds new recordings: " + describe(verdict));
            if (!admissionWatchers.isEmpty() && !closed) {
                wake(() -> admissionWatchers.forEach(watcher -> {
                    try {
                        watcher.run();
                    } catch (RuntimeException e) {
                        log.warn("an admission watcher failed", e);
                    }
                }));
            }
        }
        return verdict;
    }

    private List<Admission.Cost> costs() {
        List<Admission.Cost> costs = new ArrayList<>();
        running.values().forEach(tracked -> costs.add(tracked.measured()
                ? new Admission.Cost(true, tracked.cpuAverage, tracked.memory)
                : new Admission.Cost(false, cpuEstimate, memoryEstimate)));
        return costs;
    }

    private Optional<Slot> idleSlot() {
        // The least worn idle slot first, so that recycling happens rarely and evenly.
        return slots.stream()
                .filter(slot -> slot.state() instanceof SlotState.Idle && !inMaintenance.contains(slot))
                .min((a, b) -> Integer.compare(a.uses(), b.uses()));
    }

    private boolean startOnIdleSlot(Pending pending) {
        Optional<Slot> slot = idleSlot();
        if (slot.isEmpty()) {
            return false;
        }
        Tracked tracked = new Tracked(slot.get(), new KeepUp(config.speedWindow(),
                config.slot().profile().frameRate(), config.overloadSpeed(), config.overloadFpsShare()));
        Recording recording;
        try {
            recording = slot.get().record(pending.request(), event -> onEvent(tracked, event, pending.listener()));
        } catch (IllegalStateException e) {
            log.debug("{} was taken meanwhile: {}", slot.get().name(), e.getMessage());
            return false;
        }
        running.put(recording, tracked);
        recording.outcome().whenComplete((outcome, failure) -> finished(recording, outcome));
        pending.started().complete(recording);
        return true;
    }

    private void onEvent(Tracked tracked, SlotEvent event, Consumer<SlotEvent> listener) {
        if (event instanceof SlotEvent.FirstFrameWritten) {
            tracked.firstFrameNanos = System.nanoTime();
        }
        listener.accept(event);
    }

    /**
     * A recording is over: its measured cost refines the estimate for the next reservations. Only recordings that
     * ended normally teach anything; one whose browser died measured a fraction of the real cost.
     */
    private synchronized void finished(Recording recording, SlotEvent.Outcome outcome) {
        Tracked tracked = running.remove(recording);
        updateOverload();
        if (tracked != null && tracked.measured() && outcome instanceof SlotEvent.Stopped) {
            cpuEstimate += ESTIMATE_WEIGHT * (tracked.cpuAverage - cpuEstimate);
            if (tracked.memory > 0) {
                memoryEstimate += (long) (ESTIMATE_WEIGHT * (tracked.memory - memoryEstimate));
            }
        }
        wake();
    }

    /** Refuses new work, ends queued requests, finishes running recordings (their files are kept) and stops every slot. */
    @Override
    public void close() {
        List<Pending> abandoned;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            abandoned = new ArrayList<>(queue);
            queue.clear();
        }
        abandoned.forEach(pending -> pending.started().completeExceptionally(
                new NodeBusyException(BusyReason.SHUT_DOWN, "the node is shutting down")));
        control.shutdownNow();
        maintenance.shutdownNow();
        List<CompletableFuture<Void>> closing = slots.stream()
                .map(slot -> CompletableFuture.runAsync(slot::close))
                .toList();
        CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).join();
        try {
            maintenance.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
