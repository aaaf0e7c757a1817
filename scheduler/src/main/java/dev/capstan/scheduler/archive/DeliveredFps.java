package dev.capstan.scheduler.archive;

import dev.capstan.recorder.capture.CaptureProgress;
import java.util.Optional;

/**
 * The frame rate a recording delivers, as the status, the catalog and the metrics show it: distinct frames per
 * second of media (the capture invents no frames, so under overload this falls below the profile's rate while
 * FFmpeg's own {@code fps} may not). The one place the scheduler reads it from the encoder's reports.
 */
public final class DeliveredFps {

    private DeliveredFps() {
    }

    /**
     * Now, while it records: over the last few seconds of media ({@link CaptureProgress#deliveredFps()}). Empty
     * before a second's worth (the figure would be noise).
     */
    public static Optional<Double> now(CaptureProgress progress) {
        return enough(progress) ? Optional.of(rounded(progress.deliveredFps())) : Optional.empty();
    }

    /**
     * Over the whole recording, from its last report: its distinct frames (less any FFmpeg repeated) over the
     * media it wrote.
     */
    public static Optional<Double> whole(CaptureProgress progress) {
        if (!enough(progress)) {
            return Optional.empty();
        }
        long distinct = Math.max(0, progress.frames() - progress.duplicatedFrames());
        return Optional.of(rounded(distinct / (progress.recorded().toMillis() / 1000.0)));
    }

    private static boolean enough(CaptureProgress progress) {
        return progress.recorded().toMillis() >= 1000 && progress.frames() > 0;
    }

    private static double rounded(double fps) {
        return Math.round(fps * 100) / 100.0;
    }
}
