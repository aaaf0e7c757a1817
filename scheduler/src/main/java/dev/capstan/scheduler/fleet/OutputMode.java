package dev.capstan.scheduler.fleet;

import java.util.Arrays;
import java.util.Optional;

/** What a remote recording makes, by the name a record command's {@code mode} attribute carries. */
public enum OutputMode {
    FILE("file"), STREAM("stream"), BOTH("both");

    private final String wireName;

    OutputMode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Whether the recording keeps a file besides any live stream. */
    public boolean recordsFile() {
        return this != STREAM;
    }

    public static Optional<OutputMode> ofWireName(String wireName) {
        return Arrays.stream(values()).filter(mode -> mode.wireName.equals(wireName)).findFirst();
    }
}
