package dev.capstan.recorder.node;

import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.Slot;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.recorder.slot.SlotException;
import dev.capstan.recorder.slot.SlotState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's warm slots and their upkeep. Slots are warmed ahead of demand, one at a time so that warming never
 * competes with running recordings for long, and go back to the pool after each recording. A slot whose parts die
 * is rebuilt; one that has been used or alive long enough is recycled; idle ones are checked now and then.
 *
 * <p>The pool is elastic: besides its base of warm slots it grows, one slot at a time and up to its maximum, when
 * the admission queue finds a waiting request that the host has room for but no idle slot to run on (an audio-only
 * recording costs far less than the base count assumes). A slot beyond the base that stays idle for the linger is
 * stopped, so the pool shrinks back to its base.
 *
 * <p>The slot list and the bookkeeping of that upkeep are guarded by this object's lock (the list is copied on
 * write so that readers need no lock); the slots guard their own state.
 */
final class SlotPool implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SlotPool.class);
    private static final Duration MAX_WARM_RETRY = Duration.ofMinutes(5);
    /**
     * Starting Chromium takes every core this host has for about three seconds (measured on 2 vCPUs); a warm-up
     * while recordings run waits until this much CPU is free, so that rebuilding one slot never starves another.
     */
    private static final double WARM_UP_CPU = 1.5;

    /** Back-off for a slot that keeps failing to warm up, so a missing browser does not spin the CPU. */
    private record WarmRetry(int failures, long notBeforeNanos, String lastFailure) {
    }

    /** When a slot was first seen idle after its latest use: a slot beyond the base lingers this long. */
    private record Lingering(int uses, long sinceNanos) {
    }

    private final NodeConfig config;
    private final int base;
    private final int max;
    private final List<Slot> slots = new CopyOnWriteArrayList<>();
    private final Runnable changed;
    /** Warm-ups, recycling and health checks: slow, and one at a time so they never pile onto the CPU. */
    private final ExecutorService maintenance = Executors.newSingleThreadExecutor(Node.daemon("node-maintenance"));
    private final Set<Slot> inMaintenance = new HashSet<>();
    private final Set<Slot> healthChecks = new HashSet<>();
    private final Map<Slot, WarmRetry> warmRetries = new LinkedHashMap<>();
    private final Map<Slot, Long> lastHealthCheck = new LinkedHashMap<>();
    private final Map<Slot, Lingering> lingering = new HashMap<>();
    /** Slots taken out of the pool whose close is still queued: the pool's own close must not leave them running. */
    private final Set<Slot> stopping = new HashSet<>();
    private boolean closed;

    /** A pool of {@code count} slots that never grows. */
    SlotPool(NodeConfig config, int count, Runnable changed) {
        this(config, count, count, changed);
    }

    /** @param changed told whenever a slot may have become free, on whatever thread freed it; must not block */
    SlotPool(NodeConfig config, int base, int max, Runnable changed) {
        if (max < base) {
            throw new IllegalArgumentException("max slots " + max + " below the base " + base);
        }
        this.config = config;
        this.base = base;
        this.max = max;
        this.changed = changed;
        IntStream.rangeClosed(1, base).forEach(i -> slots.add(newSlot("slot-" + i)));
    }

    private Slot newSlot(String name) {
        return new Slot(name, config.slot(), state -> changed.run());
    }

    int size() {
        return slots.size();
    }

    NodeStatus.SlotCount slotCount() {
        return new NodeStatus.SlotCount(base, max, slots.size());
    }

    /**
     * Adds one slot and starts warming it, for a request waiting with no idle slot that the host has room for.
     * Does nothing (false) at the maximum, while another slot is not yet warm (one warm-up at a time: it takes the
     * cores for seconds, and the one under way may serve the request; a broken one is being rebuilt), or while the
     * CPU is too busy to warm.
     */
    synchronized boolean grow(LoadMonitor.Snapshot load) {
        if (closed || slots.size() >= max || !roomToWarm(load) || slots.stream().map(Slot::state).anyMatch(state ->
                state instanceof SlotState.Cold || state instanceof SlotState.Warming
                        || state instanceof SlotState.Broken)) {
            return false;
        }
        String name = IntStream.iterate(1, i -> i + 1).mapToObj(i -> "slot-" + i)
                .filter(candidate -> slots.stream().noneMatch(slot -> slot.name().equals(candidate)))
                .findFirst().orElseThrow();
        Slot slot = newSlot(name);
        slots.add(slot);
        log.info("slots: growing to {} (base {}, max {}) for a waiting recording; warming {}", slots.size(), base, max,
                name);
        maintain(slot, () -> warm(slot));
        return true;
    }

    /**
     * Stops a slot beyond the base (one added later than the first {@code base}, so the base slots keep their
     * names) that has been idle for the linger. It leaves the list under this lock, so
     * {@link #record} can no longer choose it, before it is closed on the maintenance thread.
     */
    private boolean stopIfLingered(Slot slot, long now) {
        Lingering since = lingering.get(slot);
        if (since == null || since.uses() != slot.uses()) {
            lingering.put(slot, new Lingering(slot.uses(), now));
            return false;
        }
        // Read again under the lock: the state the caller saw may predate a recording that started since.
        if (healthChecks.contains(slot) || !(slot.state() instanceof SlotState.Idle)
                || now - since.sinceNanos() < config.slotLinger().toNanos()) {
            return false;
        }
        slots.remove(slot);
        forget(slot);
        log.info("slots: {} idle for {} s, stopping it; {} left (base {}, max {})", slot.name(),
                Duration.ofNanos(now - since.sinceNanos()).toSeconds(), slots.size(), base, max);
        stopping.add(slot);
        maintenance.execute(() -> {
            slot.close();
            synchronized (this) {
                stopping.remove(slot);
            }
        });
        return true;
    }

    private void forget(Slot slot) {
        lingering.remove(slot);
        warmRetries.remove(slot);
        lastHealthCheck.remove(slot);
    }

    /** Each slot's processes now, by slot name. */
    Map<String, List<ProcessHandle>> processes() {
        Map<String, List<ProcessHandle>> processes = new LinkedHashMap<>();
        slots.forEach(slot -> processes.put(slot.name(), slot.processes()));
        return processes;
    }

    List<NodeStatus.SlotStatus> statuses() {
        return slots.stream().map(slot -> {
            SlotState state = slot.state();
            Optional<String> recordingId = state instanceof SlotState.Busy busy
                    ? Optional.of(busy.recordingId().value()) : Optional.empty();
            Optional<String> failure = state instanceof SlotState.Broken broken
                    ? Optional.of(broken.failure().toString()) : Optional.empty();
            return new NodeStatus.SlotStatus(slot.name(), state.getClass().getSimpleName().toLowerCase(Locale.ROOT),
                    recordingId, slot.uses(), slot.warmSince(), failure);
        }).toList();
    }

    /** Warms cold and broken slots, recycles worn ones and checks idle ones, each on the maintenance thread. */
    void maintain(LoadMonitor.Snapshot load) {
        long now = System.nanoTime();
        for (Slot slot : slots) {
            SlotState state = slot.state();
            synchronized (this) {
                if (closed || inMaintenance.contains(slot) || !slots.contains(slot)) {
                    continue;
                }
                if (!(state instanceof SlotState.Idle)) {
                    lingering.remove(slot);
                }
                if (state instanceof SlotState.Cold || state instanceof SlotState.Broken) {
                    WarmRetry retry = warmRetries.get(slot);
                    if ((retry == null || now >= retry.notBeforeNanos()) && roomToWarm(load)) {
                        maintain(slot, () -> warm(slot));
                    }
                } else if (state instanceof SlotState.Idle && isWorn(slot) && roomToWarm(load)) {
                    maintain(slot, () -> {
                        if (slot.retire()) {
                            warm(slot);
                        }
                    });
                } else if (state instanceof SlotState.Idle && slots.indexOf(slot) >= base && stopIfLingered(slot, now)) {
                    continue;
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
    private boolean roomToWarm(LoadMonitor.Snapshot load) {
        if (load.recordings().isEmpty()) {
            return true;
        }
        return load.host().foreignCpu() + load.recordingCpu() + WARM_UP_CPU <= load.host().cores() * config.cpuBudget();
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
                changed.run();
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
    synchronized Optional<String> unusable() {
        if (slots.isEmpty() || !warmRetries.keySet().containsAll(slots)
                || slots.stream().anyMatch(slot -> inMaintenance.contains(slot) || !(slot.state() instanceof SlotState.Broken))) {
            return Optional.empty();
        }
        return Optional.of("no slot can warm up: " + String.join("; ", slots.stream()
                .map(slot -> slot.name() + ": " + warmRetries.get(slot).lastFailure()).toList()));
    }

    synchronized boolean hasIdle() {
        return idle().isPresent();
    }

    /**
     * Starts a recording on the least worn idle slot, so that recycling happens rarely and evenly. Empty if no
     * slot is idle, or the chosen one was taken meanwhile.
     */
    synchronized Optional<Recording> record(RecordingRequest request, Consumer<SlotEvent> listener) {
        Optional<Slot> slot = idle();
        if (slot.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(slot.get().record(request, listener));
        } catch (IllegalStateException e) {
            log.debug("{} was taken meanwhile: {}", slot.get().name(), e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<Slot> idle() {
        return slots.stream()
                .filter(slot -> slot.state() instanceof SlotState.Idle && !inMaintenance.contains(slot))
                .min((a, b) -> Integer.compare(a.uses(), b.uses()));
    }

    /** Stops upkeep and every slot; a recording in progress is finished and its file kept. */
    @Override
    public void close() {
        List<Slot> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(slots);
            all.addAll(stopping);
        }
        maintenance.shutdownNow();
        CompletableFuture.allOf(all.stream()
                .map(slot -> CompletableFuture.runAsync(slot::close))
                .toArray(CompletableFuture[]::new)).join();
        try {
            maintenance.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
