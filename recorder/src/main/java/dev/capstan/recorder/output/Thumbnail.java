package dev.capstan.recorder.output;

import dev.capstan.storage.media.FragmentedMp4;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A still picture of a recording, taken from its segments: FFmpeg reads only the init segment and the one media
 * segment that covers the wanted moment (through a pipe), so it costs a fraction of a second whatever the length.
 */
public final class Thumbnail {

    /** Width of the picture; the height keeps the recording's aspect ratio. */
    public static final int WIDTH = 320;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private Thumbnail() {
    }

    /**
     * Writes a {@value #WIDTH} px wide JPEG of the first frame at or after {@code at} (from the recording's start;
     * a moment past the end gives the last segment's first frame). The file appears atomically.
     *
     * @param segments the complete media segments, in order
     * @return {@code target}
     */
    public static Path extract(Path ffmpeg, Path init, List<Path> segments, Duration at, Path target) throws IOException {
        if (segments.isEmpty()) {
            throw new IOException("no media segment to take a thumbnail from (init " + init + ")");
        }
        if (at.isNegative()) {
            at = Duration.ZERO;
        }
        // Binary search for the last segment starting at or before the moment, on the segments' own timestamps.
        Duration origin = FragmentedMp4.startTime(init, segments.get(0));
        Duration wanted = origin.plus(at);
        int low = 0;
        int high = segments.size() - 1;
        Duration chosenStart = origin;
        while (low < high) {
            int middle = (low + high + 1) >>> 1;
            Duration start = FragmentedMp4.startTime(init, segments.get(middle));
            if (start.compareTo(wanted) <= 0) {
                low = middle;
                chosenStart = start;
            } else {
                high = middle - 1;
            }
        }
        Path segment = segments.get(low);
        Duration offset = wanted.minus(chosenStart);

        Path partial = PipedFfmpeg.partial(target);
        Files.deleteIfExists(partial);
        List<String> errors = grab(ffmpeg, init, segment, offset, partial);
        if (!isPicture(partial) && !offset.isZero()) {
            // The moment lies after the segment's last frame (past the recording's end): take its first frame.
            errors = grab(ffmpeg, init, segment, Duration.ZERO, partial);
        }
        if (!isPicture(partial)) {
            Files.deleteIfExists(partial);
            throw new IOException("no thumbnail from " + segment + " at " + seconds(offset) + " s: "
                    + String.join("; ", errors));
        }
        return PipedFfmpeg.publish(target);
    }

    private static List<String> grab(Path ffmpeg, Path init, Path segment, Duration offset, Path output)
            throws IOException {
        PipedFfmpeg.Result result;
        try {
            // FFmpeg stops reading once it has its frame, so a closed pipe is expected; its exit tells.
            result = PipedFfmpeg.run("ffmpeg-thumbnail", List.of(
                    ffmpeg.toString(), "-hide_banner", "-nostats", "-loglevel", "error",
                    "-f", "mp4", "-i", "pipe:0",
                    // As an output option -ss decodes up to the moment (at most one segment) instead of
                    // jumping to a keyframe, so the frame is the one asked for.
                    "-ss", seconds(offset), "-map", "0:v:0", "-frames:v", "1",
                    "-vf", "scale=" + WIDTH + ":-2", "-c:v", "mjpeg", "-q:v", "3",
                    "-f", "image2", "-update", "1", "-y", output.toString()),
                    List.of(init, segment), true, Optional.of(TIMEOUT));
        } catch (IOException e) {
            throw new IOException("no thumbnail of " + segment + ": " + e.getMessage(), e);
        }
        List<String> errors = new ArrayList<>(result.errors());
        if (result.exit() != 0) {
            errors.add(0, "ffmpeg exit " + result.exit());
        }
        return errors;
    }

    private static boolean isPicture(Path file) throws IOException {
        return Files.isRegularFile(file) && Files.size(file) > 0;
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.3f", duration.toNanos() / 1e9);
    }
}
