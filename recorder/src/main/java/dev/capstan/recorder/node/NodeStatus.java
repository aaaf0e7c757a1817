package dev.capstan.recorder.node;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A snapshot of a node: its slots, what runs on them and what they cost, the queue, and whether it takes more.
 *
 * @param queued   requests waiting for room
 * @param waiting  those requests, first in line first
 * @param busy     why another recording would not start now; empty while the node admits
 * @param overload set while a running recording falls behind real time or delivers too few frames; nothing new
 *                 starts meanwhile
 * @param slotCount the pool's base, maximum and current number of slots
 */
public record NodeStatus(
        HostLoad load,
        double cpuPerRecording,
        long memoryPerRecording,
        List<SlotStatus> slots,
        List<RecordingLoad> recordings,
        int queued,
        List<Waiting> waiting,
        Optional<Hold> busy,
        Optional<String> overload,
        SlotCount slotCount) {

    public NodeStatus {
        slots = List.copyOf(slots);
        recordings = List.copyOf(recordings);
        waiting = List.copyOf(waiting);
    }

    /** A node whose pool neither grows nor shrinks. */
    public NodeStatus(HostLoad load, double cpuPerRecording, long memoryPerRecording, List<SlotStatus> slots,
            List<RecordingLoad> recordings, int queued, List<Waiting> waiting, Optional<Hold> busy,
            Optional<String> overload) {
        this(load, cpuPerRecording, memoryPerRecording, slots, recordings, queued, waiting, busy, overload,
                new SlotCount(slots.size(), slots.size(), slots.size()));
    }

    /**
     * How many slots the pool keeps warm ({@code base}), may grow to for recordings that cost less than the base
     * count assumes ({@code max}), and holds now.
     */
    public record SlotCount(int base, int max, int current) {

        /** Slots the pool could still add. */
        public int spare() {
            return Math.max(0, max - current);
        }
    }

    /**
     * A request waiting in the queue.
     *
     * @param position 1 for the next to start
     * @param waited   how long it has waited so far
     * @param left     how much longer it will wait before it is refused
     */
    public record Waiting(String id, int position, Duration waited, Duration left) {
    }

    /** Why the node holds new work back. */
    public record Hold(BusyReason reason, String detail) {
    }

    /** One slot: its life-cycle state and how worn it is. */
    public record SlotStatus(String name, String state, Optional<String> recordingId, int uses,
            Optional<Instant> warmSince, Optional<String> failure) {
    }

    /**
     * One running recording and what it costs.
     *
     * @param measured     false while {@code cpu} and {@code memory} are still the reservation, not a measurement
     * @param encoderSpeed seconds encoded per second over the recent window; empty until the window is full
     * @param deliveredFps frames captured per second (duplicates not counted) over the same window
     */
    public record RecordingLoad(String id, String slot, boolean measured, double cpu, long memory,
            OptionalDouble encoderSpeed, OptionalDouble deliveredFps, double fps) {
    }

    public long idleSlots() {
        return slots.stream().filter(slot -> slot.state().equals("idle")).count();
    }

    public long busySlots() {
        return slots.stream().filter(slot -> slot.state().equals("busy")).count();
    }
}
