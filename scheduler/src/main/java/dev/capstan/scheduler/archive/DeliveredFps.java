package dev.capstan.scheduler.archive;

import dev.capstan.recorder.capture.CaptureProgress;
import java.util.Optional;

/**
 * The frame rate a recording delivers: the distinct frames the encoder wrote (its frames less the duplicates it
 * inserted to keep the rate constant) per second of media it wrote, from one progress report. Under overload the
 * display is grabbed less often and this falls below the profile's rate, while FFmpeg's own {@code fps} (frames
 * per second of wall-clock time, duplicates included) may not.
 *
 * <p>The one place this is computed, for the live status and the catalog alike.
 */
public final class DeliveredFps {

    private DeliveredFps() {
    }

    /** Empty before the encoder has written a second's worth of media (the figure would be noise). */
    public static Optional<Double> of(CaptureProgress progress) {
        double seconds = progress.recorded().toMillis() / 1000.0;
        if (seconds < 1 || progress.frames() <= 0) {
            return Optional.empty();
        }
        long distinct = Math.max(0, progress.frames() - progress.duplicatedFrames());
        return Optional.of(Math.round(distinct / seconds * 100) / 100.0);
    }
}
