package dev.capstan.recorder.node;

import dev.capstan.recorder.capture.CaptureMedia;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.SlotEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests in the order they came, each started on an idle slot once {@link Admission} says the host has room,
 * or refused: at once when its caller cannot wait, when its wait runs out, or when no slot can warm up at all.
 *
 * <p>The queue, the verdict's hold and whether the node admits are guarded by this object's lock. It asks the
 * pool and the load monitor while holding it, never the other way round.
 */
final class AdmissionQueue {

    private static final Logger log = LoggerFactory.getLogger(AdmissionQueue.class);
    /** How often the queue's head and length are logged while requests wait. */
    private static final Duration REPORT_INTERVAL = Duration.ofSeconds(10);

    /** A request waiting for room. */
    private record Pending(RecordingRequest request, Consumer<SlotEvent> listener, long queuedNanos,
            long deadlineNanos, CompletableFuture<Recording> started) {
    }

    /**
     * The queue and the verdict at one moment, with the load they were judged on.
     *
     * @param busy why another recording would not start now; empty while the node admits
     */
    record Line(LoadMonitor.Snapshot load, List<NodeStatus.Waiting> waiting, Optional<NodeStatus.Hold> busy) {

        Line {
            waiting = List.copyOf(waiting);
        }
    }

    private final int maxLength;
    private final SlotPool pool;
    private final LoadMonitor monitor;
    /**
     * Admission for each kind of recording, at its own cost estimate. Whether the node admits (what it advertises)
     * is the verdict for a recording with picture: the dearer one, and the only kind Jibri's clients ask for.
     */
    private final Map<CaptureMedia, Admission> admissions = new EnumMap<>(CaptureMedia.class);
    private final Runnable wake;
    private final Runnable admissionTurned;
    private final Deque<Pending> queue = new ArrayDeque<>();
    private boolean admitting;
    private long lastReportNanos;
    private boolean closed;

    /**
     * @param wake            asks for {@link #dispatch} soon, on the node's thread; must not block
     * @param admissionTurned told when the node turns from admitting to holding or back; must not block
     */
    AdmissionQueue(int maxLength, SlotPool pool, LoadMonitor monitor, Admission admission, Runnable wake,
            Runnable admissionTurned) {
        this.maxLength = maxLength;
        this.pool = pool;
        this.monitor = monitor;
        admissions.put(CaptureMedia.AUDIO_AND_VIDEO, admission);
        admissions.put(CaptureMedia.AUDIO_ONLY, admission.withOwnHold());
        this.wake = wake;
        this.admissionTurned = admissionTurned;
    }

    /** See {@link Node#record}. */
    CompletableFuture<Recording> record(RecordingRequest request, Consumer<SlotEvent> listener, Duration maxWait) {
        CompletableFuture<Recording> started = new CompletableFuture<>();
        long now = System.nanoTime();
        Pending pending = new Pending(request, listener, now, now + maxWait.toNanos(), started);
        boolean cannotWait = maxWait.isZero() || maxWait.isNegative();
        synchronized (this) {
            if (closed) {
                return refused(started, BusyReason.SHUT_DOWN, "the node is shutting down");
            }
            Optional<String> unusable = pool.unusable();
            if (unusable.isPresent()) {
                return refused(started, BusyReason.UNAVAILABLE, unusable.get());
            }
            if (queue.isEmpty()) {
                Admission.Verdict verdict = verdict(request.media());
                if (verdict instanceof Admission.Verdict.Admit && start(pending)) {
                    return started;
                }
                if (cannotWait) {
                    Admission.Verdict.Hold hold = verdict instanceof Admission.Verdict.Hold h ? h
                            : new Admission.Verdict.Hold(BusyReason.NO_IDLE_SLOT, "no slot could take it");
                    return refused(started, hold.reason(), hold.detail());
                }
            } else if (cannotWait) {
                return refused(started, BusyReason.NO_IDLE_SLOT, queue.size() + " requests are already waiting");
            }
            if (queue.size() >= maxLength) {
                return refused(started, BusyReason.QUEUE_FULL, queue.size() + " requests are already waiting");
            }
            queue.addLast(pending);
            log.info("recording {} queued (position {}, waits up to {} s): {}", request.id(), queue.size(),
                    maxWait.toSeconds(), describe(verdict(request.media())));
            if (queue.size() == 1) {
                lastReportNanos = now;
                wake.run(); // the pool may grow a slot for it without waiting for the next tick
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

    private static CompletableFuture<Recording> refused(CompletableFuture<Recording> started, BusyReason reason,
            String detail) {
        started.completeExceptionally(new NodeBusyException(reason, detail));
        return started;
    }

    /** Starts waiting requests in order while there is room; drops those whose wait ran out. */
    synchronized void dispatch() {
        long now = System.nanoTime();
        Optional<String> unusable = pool.unusable();
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
            Admission.Verdict verdict = verdict(head.request().media());
            if (verdict instanceof Admission.Verdict.Admit && start(head)) {
                queue.removeFirst();
                continue;
            }
            growFor(head.request().media(), verdict);
            break;
        }
        if (!queue.isEmpty() && now - lastReportNanos >= REPORT_INTERVAL.toNanos()) {
            lastReportNanos = now;
            Pending head = queue.peekFirst();
            Admission.Verdict verdict = verdict(head.request().media());
            boolean forSlot = verdict instanceof Admission.Verdict.Hold hold && hold.reason() == BusyReason.NO_IDLE_SLOT;
            log.info("{} request(s) waiting; first, recording {} has waited {} s ({} s left): {}{}", queue.size(),
                    head.request().id(), Duration.ofNanos(now - head.queuedNanos()).toSeconds(),
                    Duration.ofNanos(Math.max(0, head.deadlineNanos() - now)).toSeconds(), describe(verdict),
                    forSlot ? growthNote(head.request().media()) : "");
        }
        queue.removeIf(pending -> {
            if (now - pending.deadlineNanos() < 0) {
                return false;
            }
            String verdict = describe(verdict(pending.request().media()));
            log.warn("recording {} gave up waiting: {}", pending.request().id(), verdict);
            pending.started().completeExceptionally(
                    new NodeBusyException(BusyReason.QUEUE_TIMEOUT, "waited too long; " + verdict));
            return true;
        });
    }

    /**
     * Asks the pool for one more slot when the first request in line waits for a slot alone: the host has room
     * for it at its own estimate (an audio-only recording costs far less than the base slot count assumes).
     */
    private void growFor(CaptureMedia media, Admission.Verdict verdict) {
        if (verdict instanceof Admission.Verdict.Hold hold && hold.reason() == BusyReason.NO_IDLE_SLOT) {
            LoadMonitor.Snapshot load = monitor.snapshot();
            if (givenSlot(load, media) instanceof Admission.Verdict.Admit) {
                pool.grow(load);
            }
        }
    }

    /** The verdict on a recording of {@code media} if one more slot were idle. */
    private Admission.Verdict givenSlot(LoadMonitor.Snapshot load, CaptureMedia media) {
        return admissions.get(media).decideGivenSlot(facts(load, media), load.host().foreignCpu());
    }

    /** Why a request that waits for a slot gets none added, for the queue's progress log. */
    private String growthNote(CaptureMedia media) {
        NodeStatus.SlotCount slots = pool.slotCount();
        if (slots.spare() == 0) {
            return "; no slot added: the pool holds its maximum of " + slots.max() + ", warming ones included";
        }
        Admission.Verdict withSlot = givenSlot(monitor.snapshot(), media);
        return withSlot instanceof Admission.Verdict.Hold ? "; no slot added: " + describe(withSlot)
                : "; adding a slot as CPU allows (" + slots.current() + " of at most " + slots.max() + ")";
    }

    /** The waiting requests, first in line first, and the verdict now. */
    synchronized Line line() {
        LoadMonitor.Snapshot load = monitor.snapshot();
        Optional<NodeStatus.Hold> busy = verdict(load, CaptureMedia.AUDIO_AND_VIDEO)
                instanceof Admission.Verdict.Hold hold
                ? Optional.of(new NodeStatus.Hold(hold.reason(), hold.detail())) : Optional.empty();
        long now = System.nanoTime();
        List<NodeStatus.Waiting> waiting = new ArrayList<>();
        for (Pending pending : queue) {
            waiting.add(new NodeStatus.Waiting(pending.request().id().value(), waiting.size() + 1,
                    Duration.ofNanos(now - pending.queuedNanos()),
                    Duration.ofNanos(Math.max(0, pending.deadlineNanos() - now))));
        }
        return new Line(load, waiting, busy);
    }

    /** Refuses new requests and ends the waiting ones. Returns false if it was closed already. */
    boolean close() {
        List<Pending> abandoned;
        synchronized (this) {
            if (closed) {
                return false;
            }
            closed = true;
            abandoned = new ArrayList<>(queue);
            queue.clear();
        }
        abandoned.forEach(pending -> pending.started().completeExceptionally(
                new NodeBusyException(BusyReason.SHUT_DOWN, "the node is shutting down")));
        return true;
    }

    private static String describe(Admission.Verdict verdict) {
        return verdict instanceof Admission.Verdict.Hold hold ? hold.reason() + " (" + hold.detail() + ")" : "room";
    }

    private Admission.Verdict verdict(CaptureMedia media) {
        return verdict(monitor.snapshot(), media);
    }

    /**
     * Admission's verdict on this load for one more recording of {@code media}; a turn of the node's own verdict
     * (for a recording with picture) from admitting to holding or back is logged and told.
     */
    private Admission.Verdict verdict(LoadMonitor.Snapshot load, CaptureMedia media) {
        Admission.Verdict verdict = admissions.get(media).judge(System.nanoTime(), load.host().foreignCpu(),
                facts(load, media));
        if (media != CaptureMedia.AUDIO_AND_VIDEO) {
            return verdict;
        }
        boolean admitsNow = verdict instanceof Admission.Verdict.Admit;
        if (admitsNow != admitting) {
            admitting = admitsNow;
            log.info("node {}", admitsNow ? "admits another recording" : "holds new recordings: " + describe(verdict));
            if (!closed) {
                admissionTurned.run();
            }
        }
        return verdict;
    }

    private Admission.Facts facts(LoadMonitor.Snapshot load, CaptureMedia media) {
        return new Admission.Facts(load.costs(), pool.hasIdle(), load.host().memoryAvailable(), load.overload(),
                load.cpuEstimate(media), load.memoryEstimate());
    }

    /** Starts a request on an idle slot and counts it with the load monitor; false if no slot took it. */
    private boolean start(Pending pending) {
        LoadMonitor.Meter meter = monitor.meter(pending.request().media());
        Optional<Recording> started = pool.record(pending.request(), event -> {
            if (event instanceof SlotEvent.FirstFrameWritten) {
                monitor.firstFrame(meter, System.nanoTime());
            }
            pending.listener().accept(event);
        });
        if (started.isEmpty()) {
            return false;
        }
        Recording recording = started.get();
        monitor.add(meter, recording.id(), recording.slotName(), recording::progress);
        recording.outcome().whenComplete((outcome, failure) -> {
            monitor.finished(meter, outcome);
            wake.run();
        });
        pending.started().complete(recording);
        return true;
    }
}
