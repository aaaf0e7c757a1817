package dev.capstan.recorder.node;

import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.Slot;
import dev.capstan.recorder.slot.SlotEvent;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent: a pool of warm slots on one host, and the judge of how many recordings the host can take.
 *
 * <p>Three parts, each the only owner of its state: the {@link SlotPool} keeps slots warm, rebuilt and recycled;
 * the {@link LoadMonitor} measures the host and the running recordings; the {@link AdmissionQueue} starts requests
 * in order as {@link Admission} finds room, and tells a caller that cannot wait at once that the node is busy,
 * and why. The node wires them, runs their upkeep once a second and whenever a slot may have freed up, on its own
 * thread, and owns their life-cycle.
 */
public final class Node implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Node.class);
    private static final Duration TICK = Duration.ofSeconds(1);

    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(daemon("node"));
    private final SlotPool pool;
    private final LoadMonitor monitor;
    private final AdmissionQueue queue;
    private final Duration queueTimeout;
    private final List<Runnable> admissionWatchers = new CopyOnWriteArrayList<>();

    private Node(NodeConfig config, int cores) {
        this.queueTimeout = config.queueTimeout();
        this.monitor = new LoadMonitor(cores, config);
        this.pool = new SlotPool(config, config.slotCount(cores),
                config.maxSlotCount(cores, monitor.snapshot().host().memoryTotal()), this::wake);
        this.queue = new AdmissionQueue(config.maxQueueLength(), pool, monitor, new Admission(cores, config),
                this::wake, this::admissionTurned);
    }

    /** Creates the slots and starts warming them in the background; returns at once. */
    public static Node start(NodeConfig config) {
        Slot.sweepAbandoned(config.slot().workDirectory());
        int cores = Runtime.getRuntime().availableProcessors();
        Node node = new Node(config, cores);
        NodeStatus.SlotCount slots = node.pool.slotCount();
        log.info("node: {} slots on {} cores ({} per recording estimated), growing up to {} for cheaper recordings",
                slots.base(), cores, String.format(Locale.ROOT, "%.2f cores", config.cpuPerRecording()), slots.max());
        node.control.scheduleWithFixedDelay(node::tick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
        return node;
    }

    static ThreadFactory daemon(String name) {
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
        return queue.record(request, listener, maxWait);
    }

    /** How long a caller that can wait should wait for room ({@link NodeConfig#queueTimeout()}). */
    public Duration queueTimeout() {
        return queueTimeout;
    }

    /** What the node is doing and what it costs, right now. */
    public NodeStatus status() {
        AdmissionQueue.Line line = queue.line();
        LoadMonitor.Snapshot load = line.load();
        return new NodeStatus(load.host(), load.cpuEstimate(), load.memoryEstimate(), pool.statuses(),
                load.recordings(), line.waiting().size(), line.waiting(), line.busy(), load.overload(),
                pool.slotCount());
    }

    /**
     * Runs {@code watcher} (on the node's thread) whenever the node turns from admitting to holding or back, so
     * that whoever advertises its availability (Jibri's brewery presence) follows at once.
     */
    public void onAdmissionChange(Runnable watcher) {
        admissionWatchers.add(watcher);
    }

    private void admissionTurned() {
        if (!admissionWatchers.isEmpty()) {
            post(() -> admissionWatchers.forEach(watcher -> {
                try {
                    watcher.run();
                } catch (RuntimeException e) {
                    log.warn("an admission watcher failed", e);
                }
            }));
        }
    }

    /** Something changed (a slot freed up, say): look at the queue soon, on the node's own thread. */
    private void wake() {
        post(queue::dispatch);
    }

    private void post(Runnable job) {
        try {
            control.execute(job);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    private void tick() {
        try {
            monitor.measure(pool.processes());
            pool.maintain(monitor.snapshot());
            queue.dispatch();
        } catch (RuntimeException e) {
            log.error("node tick failed", e);
        }
    }

    /** Refuses new work, ends queued requests, finishes running recordings (their files are kept) and stops every slot. */
    @Override
    public void close() {
        if (!queue.close()) {
            return;
        }
        control.shutdownNow();
        pool.close();
    }
}
