package dev.capstan.recorder.slot;

/** Why a recording ended cleanly. */
public enum StopCause {
    REQUESTED("asked to stop"),
    MAX_DURATION("reached its maximum duration"),
    ROOM_EMPTY("nobody left to record"),
    ALL_MUTED("everyone muted"),
    LEFT_MEETING("the recorder is no longer in the meeting (kicked, or the meeting ended)");

    private final String summary;

    StopCause(String summary) {
        this.summary = summary;
    }

    public String summary() {
        return summary;
    }

    /** As in logs and metadata: {@code room-empty}. */
    @Override
    public String toString() {
        return name().toLowerCase().replace('_', '-');
    }
}
