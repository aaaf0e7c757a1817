package dev.capstan.storage.archive;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Why a recording lacks media it should hold. Stored and sent by {@link #wireName()}, which never changes; it is
 * also a metric tag, so the vocabulary is fixed.
 */
public enum LossCause {
    /** The encoder died (or was killed) while recording: what it had not yet written out is lost. */
    ENCODER_DIED("encoder-died"),
    /** The encoder made no progress while draining after a stop and was killed: what it still held is lost. */
    ENCODER_KILLED_AT_STOP("encoder-killed-at-stop"),
    /** The recorder failed mid-way (browser, display, meeting) while the encoder itself ended in order. */
    RECORDER_FAILED("recorder-failed"),
    /** Its node vanished: only what had reached the store was kept. */
    NODE_LOST("node-lost"),
    /** The recorder's process restarted under it: the segment being written was lost. */
    RECORDER_RESTARTED("recorder-restarted"),
    /** What was recorded could not be stored. */
    STORE_FAILED("store-failed"),
    /** The encoder ended in order, yet the file is shorter than the time it was on (beyond the tolerance). */
    SHORT_FILE("short-file");

    private final String wireName;

    LossCause(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The cause stored or sent as {@code wireName}, if it is one. */
    public static Optional<LossCause> ofWireName(String wireName) {
        return Arrays.stream(values()).filter(cause -> cause.wireName.equals(wireName)).findFirst();
    }

    /** Every wire name, in declaration order. */
    public static List<String> wireNames() {
        return Arrays.stream(values()).map(LossCause::wireName).toList();
    }
}
