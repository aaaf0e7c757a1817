package dev.capstan.scheduler.plan;

import java.util.Arrays;
import java.util.Optional;

/** What a recording makes, by the stable name the API, the sessions table and webhooks use. */
public enum Mode {
    FILE("file"), STREAM("stream"), BOTH("both"),
    /** The page's sound alone, in a file: no picture is grabbed or encoded, and nothing streams. */
    AUDIO("audio");

    private final String wireName;

    Mode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Whether it keeps a file besides any live stream. */
    public boolean recordsFile() {
        return this != STREAM;
    }

    public static Optional<Mode> ofWireName(String wireName) {
        return Arrays.stream(values()).filter(mode -> mode.wireName.equals(wireName)).findFirst();
    }

    /** The mode of a recording that keeps a file or not, with {@code streams} live destinations. */
    public static Mode of(boolean recordsFile, int streams) {
        return streams == 0 ? FILE : recordsFile ? BOTH : STREAM;
    }

    /** Whether it grabs and encodes the picture (all but {@link #AUDIO}). */
    public boolean hasVideo() {
        return this != AUDIO;
    }
}
