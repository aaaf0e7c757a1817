package dev.capstan.recorder.slot;

/** Why a recording ended cleanly. */
public enum StopCause {
    /** Asked to stop. */
    REQUESTED,
    /** Reached its maximum duration. */
    MAX_DURATION,
    /** Nobody left to record. */
    ROOM_EMPTY,
    /** Everyone muted. */
    ALL_MUTED,
    /** The recorder is no longer in the meeting (kicked, or the meeting ended). */
    LEFT_MEETING,
    /** Paused for longer than the pause allowed. */
    PAUSED_TOO_LONG;

    /** As in logs and metadata: {@code room-empty}. */
    @Override
    public String toString() {
        return name().toLowerCase().replace('_', '-');
    }
}
