package dev.capstan.recorder.output;

import dev.capstan.storage.media.FragmentedMp4;
import dev.capstan.storage.spool.SegmentLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A recording's directory while it is made: an fMP4 init segment and numbered media segments, each complete
 * segment durable on its own. Byte-concatenated, init plus segments are one valid fragmented MP4, which is how
 * both the final file here and (later) the object in a store are assembled without re-encoding.
 *
 * <pre>
 * &lt;dir&gt;/segments/init.mp4, seg_00000.m4s, ...   written by FFmpeg, never edited
 * &lt;dir&gt;/capture.log                               FFmpeg's warnings and errors
 * &lt;dir&gt;/&lt;name&gt;.mp4                                the finished recording (faststart), once assembled
 * </pre>
 */
public final class SegmentedRecording {

    private final Path directory;
    private final Set<String> counted = new HashSet<>();
    private long countedInit;
    private long countedSegmentBytes;

    private SegmentedRecording(Path directory) {
        this.directory = directory;
    }

    /**
     * Creates the directory and proves it can be written, so a bad output location fails before any browser or
     * encoder is started.
     */
    public static SegmentedRecording create(Path directory) throws IOException {
        Files.createDirectories(SegmentLayout.segmentDirectory(directory));
        Path probe = Files.createTempFile(SegmentLayout.segmentDirectory(directory), ".probe", ".tmp");
        Files.delete(probe);
        return new SegmentedRecording(directory);
    }

    /** An existing recording directory, for example one left behind by a crash. */
    public static SegmentedRecording open(Path directory) {
        return new SegmentedRecording(directory);
    }

    public Path directory() {
        return directory;
    }

    public Path segmentDirectory() {
        return SegmentLayout.segmentDirectory(directory);
    }

    public Path captureLog() {
        return directory.resolve("capture.log");
    }

    /** The log of the encoder that resumed the recording after its {@code resume}-th pause. */
    public Path captureLog(int resume) {
        return directory.resolve("capture-" + resume + ".log");
    }

    public Path initSegment() {
        return SegmentLayout.init(directory);
    }

    /** The media segments FFmpeg has finished, in order. A segment still being written is not listed. */
    public List<Path> completedSegments() {
        try {
            return SegmentLayout.completedSegments(directory);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Where the recorded media ends now (see {@link FragmentedMp4#end}); zero before the first segment. */
    public Duration mediaEnd() throws IOException {
        List<Path> segments = completedSegments();
        return segments.isEmpty() ? Duration.ZERO : FragmentedMp4.end(initSegment(), segments.get(segments.size() - 1));
    }

    /** The number the next segment gets: one more than the last complete one. */
    public int nextSegmentNumber() {
        List<Path> segments = completedSegments();
        return segments.isEmpty() ? 0 : SegmentLayout.number(segments.get(segments.size() - 1)) + 1;
    }

    /** True if at least one complete segment exists, i.e. there is something playable. */
    public boolean hasMedia() {
        return Files.isRegularFile(initSegment()) && !completedSegments().isEmpty();
    }

    /**
     * Bytes of finished media on disk so far. Asked for on every progress report, so each finished segment (which
     * never changes again) is measured once, not on every call.
     */
    public synchronized long bytesWritten() {
        if (countedInit == 0) {
            countedInit = initSegment().toFile().length();
        }
        for (Path segment : completedSegments()) {
            if (counted.add(segment.getFileName().toString())) {
                countedSegmentBytes += segment.toFile().length();
            }
        }
        return countedInit + countedSegmentBytes;
    }

    /**
     * Joins the segments into one MP4 with its index at the front, so it plays and seeks in a browser while it
     * downloads. The streams are copied, not re-encoded: a long recording takes seconds. The file appears
     * atomically; a crash meanwhile leaves the segments untouched.
     */
    public Path assemble(Path ffmpeg, String name) throws IOException {
        if (!hasMedia()) {
            throw new IOException("no complete segment in " + segmentDirectory());
        }
        Path target = directory.resolve(name + ".mp4");
        Path partial = PipedFfmpeg.partial(target);
        List<Path> input = new ArrayList<>();
        input.add(initSegment());
        input.addAll(completedSegments());
        PipedFfmpeg.Result remux;
        try {
            remux = PipedFfmpeg.run("ffmpeg-assemble", List.of(
                    ffmpeg.toString(), "-hide_banner", "-nostats", "-loglevel", "error",
                    "-f", "mp4", "-i", "pipe:0", "-map", "0", "-c", "copy",
                    "-movflags", "+faststart", "-f", "mp4", "-y", partial.toString()),
                    input, false, Optional.empty());
        } catch (IOException e) {
            throw new IOException("assembling " + target + " failed: " + e.getMessage(), e);
        }
        if (remux.exit() != 0 || !Files.isRegularFile(partial)) {
            throw new IOException("assembling " + target + " failed (ffmpeg exit " + remux.exit() + "): "
                    + remux.errorText());
        }
        return PipedFfmpeg.publish(target);
    }
}
