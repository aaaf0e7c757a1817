package dev.capstan.recorder.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The built-in demo meeting: four tiles with moving content and a steady tone each, a clock and a frame counter.
 * Once a second it flashes white and beeps together, so recordings can be checked for A/V sync.
 */
public final class DemoMeeting {

    /** The tone each tile plays, in Hz. */
    public static final List<Integer> TILE_TONES_HZ = List.of(330, 495, 660, 825);
    /** The once-a-second sync beep, in Hz; the page flashes white at the same moment. */
    public static final int BEEP_HZ = 2000;
    /** The sync marker's square, as fractions of the frame: x from, x to, y from, y to. */
    public static final double[] SYNC_MARKER = {0.90, 1.00, 0.00, 0.10};
    /**
     * The clock strip along the bottom edge, as fractions of the frame (x from, x to, y from, y to): the wall-clock
     * time the page drew the frame at, in {@link #CLOCK_BITS} black (0) or white (1) blocks, most significant first:
     * tenths of a second since the epoch modulo 2^20, then a 4-bit check (the sum of those bits' nibbles modulo 16).
     * A decoded frame tells when it was shown, which is how tests prove what a recording left out.
     */
    public static final double[] CLOCK_STRIP = {0.02, 0.98, 0.982, 1.00};
    public static final int CLOCK_VALUE_BITS = 20;
    public static final int CLOCK_BITS = CLOCK_VALUE_BITS + 4;

    private static final String RESOURCE = "meeting.html";

    private DemoMeeting() {
    }

    /** The page itself, to be served over HTTP. */
    public static byte[] html() {
        try (InputStream in = DemoMeeting.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("demo page " + RESOURCE + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
