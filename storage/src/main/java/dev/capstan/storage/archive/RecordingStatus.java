package dev.capstan.storage.archive;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a recording is in its life. The legal transitions are
 *
 * <pre>
 * RECORDING ──▶ UPLOADING ──▶ READY | PARTIAL
 *     │             │
 *     └─────────────┴──▶ FAILED
 * </pre>
 *
 * <p>READY, PARTIAL and FAILED are final.
 */
public enum RecordingStatus {
    /** Media is being captured. */
    RECORDING,
    /** Capture has ended; the media is being finished and stored (the status detail tells how far). */
    UPLOADING,
    /** The media is stored in full. */
    READY,
    /** The media is stored but incomplete, e.g. after a crash: its {@link MediaLoss} says how much and why. */
    PARTIAL,
    /** Nothing usable was stored; the status detail says why. */
    FAILED;

    /** Whether nothing can follow this status. */
    public boolean isFinal() {
        return next().isEmpty();
    }

    /** Whether a recording in this status may move to {@code target}. */
    public boolean canBecome(RecordingStatus target) {
        return next().contains(target);
    }

    private Set<RecordingStatus> next() {
        return switch (this) {
            case RECORDING -> EnumSet.of(UPLOADING, FAILED);
            case UPLOADING -> EnumSet.of(READY, PARTIAL, FAILED);
            case READY, PARTIAL, FAILED -> EnumSet.noneOf(RecordingStatus.class);
        };
    }
}
