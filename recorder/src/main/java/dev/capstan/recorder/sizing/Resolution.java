package dev.capstan.recorder.sizing;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The picture a planned recording has; the name is what the command line and results.json use. */
public enum Resolution {
    HD_720P("720p", 720),
    FULL_HD_1080P("1080p", 1080);

    private final String wireName;
    private final int height;

    Resolution(String wireName, int height) {
        this.wireName = wireName;
        this.height = height;
    }

    public String wireName() {
        return wireName;
    }

    /** The resolution of a benchmark profile of this height, the way results.json records it. */
    static Resolution ofHeight(int height) {
        return Arrays.stream(values()).filter(r -> r.height == height).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no planned resolution is " + height + " lines high"));
    }

    static Resolution named(String name) {
        return Arrays.stream(values()).filter(r -> r.wireName.equals(name)).findFirst()
                .orElseThrow(() -> new PlanArgumentException("--resolution", "takes "
                        + Arrays.stream(values()).map(Resolution::wireName).collect(Collectors.joining(" or "))
                        + ", got '" + name + "'"));
    }
}
