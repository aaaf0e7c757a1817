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
