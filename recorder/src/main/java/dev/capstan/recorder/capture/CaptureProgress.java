package dev.capstan.recorder.capture;

import java.time.Duration;
import java.util.Map;

/**
 * One report from FFmpeg's {@code -progress} output, with the frame rate the recording really delivers.
 *
 * <p>The capture never invents frames (variable frame rate, see {@link CaptureCommand}): every frame counted here
 * is a distinct grab of the screen, so {@code frames} over {@code recorded} is the rate the file plays at. Under
 * overload frames are dropped at the source and {@code deliveredFps} falls below the profile's rate.
 *
 * @param frames           frames encoded so far, each a distinct grab
 * @param fps              FFmpeg's own figure: frames over wall time since FFmpeg started (includes its start-up)
 * @param speed            FFmpeg's own cumulative encoding speed relative to real time
 * @param duplicatedFrames frames FFmpeg repeated to fill gaps; none with a variable frame rate
 * @param droppedFrames    grabs dropped before encoding because they came in a burst (less than a frame apart)
 * @param recorded         media time encoded so far
 * @param bytes            finished media on disk
 * @param deliveredFps     frames per second of media over the last {@link #DELIVERY_WINDOW} of it (over all of
 *                         it before that): what a viewer sees now
 */
public record CaptureProgress(
        long frames, double fps, double speed, long duplicatedFrames, long droppedFrames, Duration recorded, long bytes,
        double deliveredFps) {

    /** How much recent media {@link #deliveredFps} averages over. */
    public static final Duration DELIVERY_WINDOW = Duration.ofSeconds(5);

    public static final CaptureProgress NONE = new CaptureProgress(0, 0, 0, 0, 0, Duration.ZERO, 0, 0);

    /** A report whose delivered rate is its average over all of it. */
    public CaptureProgress(long frames, double fps, double speed, long duplicatedFrames, long droppedFrames,
            Duration recorded, long bytes) {
        this(frames, fps, speed, duplicatedFrames, droppedFrames, recorded, bytes, average(frames, recorded));
    }

    /** Frames per second of media over the whole recording so far. */
    public double averageFps() {
        return average(frames, recorded);
    }

    /** Reads one block of {@code key=value} lines; missing or {@code N/A} values count as zero. */
    static CaptureProgress fromBlock(Map<String, String> block, long bytes) {
        return new CaptureProgress(
                longValue(block.get("frame")),
                doubleValue(block.get("fps")),
                doubleValue(stripSuffix(block.get("speed"), "x")),
                longValue(block.get("dup_frames")),
                longValue(block.get("drop_frames")),
                Duration.ofNanos(Math.max(0, longValue(block.get("out_time_us"))) * 1000),
                bytes);
    }

    CaptureProgress withDeliveredFps(double rate) {
        return new CaptureProgress(frames, fps, speed, duplicatedFrames, droppedFrames, recorded, bytes, rate);
    }

    private static double average(long frames, Duration recorded) {
        return recorded.isZero() ? 0 : frames / (recorded.toNanos() / 1e9);
    }

    private static String stripSuffix(String value, String suffix) {
        return value != null && value.endsWith(suffix) ? value.substring(0, value.length() - suffix.length()) : value;
    }

    private static long longValue(String value) {
        try {
            return value == null ? 0 : Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static double doubleValue(String value) {
        try {
            return value == null ? 0 : Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
