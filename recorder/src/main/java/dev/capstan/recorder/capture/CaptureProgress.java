package dev.capstan.recorder.capture;

import java.time.Duration;
import java.util.Map;

/**
 * One report from FFmpeg's {@code -progress} output.
 *
 * @param speed encoding speed relative to real time; below about 0.98 the host cannot keep up
 */
public record CaptureProgress(
        long frames, double fps, double speed, long duplicatedFrames, long droppedFrames, Duration recorded, long bytes) {

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

    CaptureProgress withBytes(long total) {
        return new CaptureProgress(frames, fps, speed, duplicatedFrames, droppedFrames, recorded, total);
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
