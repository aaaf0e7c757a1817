package dev.capstan.recorder.node;

/** Why a node cannot start a recording now. */
public enum BusyReason {
    /** Every slot is recording, warming up or being replaced. */
    NO_IDLE_SLOT,
    /** Another recording would take more CPU than the host has left. */
    CPU,
    /** Another recording would take more memory than the host has left. */
    MEMORY,
    /** A running encoder is falling behind real time; nothing more is started until it recovers. */
    OVERLOADED,
    /** Too many requests are already waiting. */
    QUEUE_FULL,
    /** The request waited as long as its caller allowed. */
    QUEUE_TIMEOUT,
    /** No slot can be warmed up (say, the browser is missing); waiting would not help. */
    UNAVAILABLE,
    /** The node is shutting down. */
    SHUT_DOWN
}
