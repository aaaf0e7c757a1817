package dev.capstan.storage.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * How a recording's media lies in its spool directory while it is made. The producer (the recorder's encoder)
 * writes here; the spool uploads from here. A segment appears under its final name only once it is complete.
 *
 * <pre>
 * &lt;spool&gt;/&lt;id&gt;/segments/init.mp4         the fragmented MP4's header (codecs, no samples)
 * &lt;spool&gt;/&lt;id&gt;/segments/seg_00000.m4s    2-s media fragments, numbered from 0
 * </pre>
 */
public final class SegmentLayout {

    public static final String SEGMENT_DIRECTORY = "segments";
    public static final String INIT = "init.mp4";
    /** A {@link String#format} pattern for the n-th segment's name. */
    public static final String SEGMENT_PATTERN = "seg_%05d.m4s";

    private static final Pattern SEGMENT = Pattern.compile("seg_\\d{5,}\\.m4s");

    private SegmentLayout() {
    }

    public static Path segmentDirectory(Path recordingDirectory) {
        return recordingDirectory.resolve(SEGMENT_DIRECTORY);
    }

    public static Path init(Path recordingDirectory) {
        return segmentDirectory(recordingDirectory).resolve(INIT);
    }

    /** The n-th segment's file in a directory of segments. */
    public static Path segment(Path segmentDirectory, int number) {
        return segmentDirectory.resolve(String.format(Locale.ROOT, SEGMENT_PATTERN, number));
    }

    /** A segment file's number: {@code seg_00042.m4s} is 42. */
    public static int number(Path segment) {
        String name = segment.getFileName().toString();
        if (!isSegment(name)) {
            throw new IllegalArgumentException(name + " is not a segment's name");
        }
        return Integer.parseInt(name.substring("seg_".length(), name.length() - ".m4s".length()));
    }

    public static boolean isSegment(String fileName) {
        return SEGMENT.matcher(fileName).matches();
    }

    private static boolean hasContent(Path file) {
        try {
            return Files.size(file) > 0;
        } catch (IOException e) {
            return false; // gone meanwhile
        }
    }

    /** The complete media segments, in recording order. */
    public static List<Path> completedSegments(Path recordingDirectory) throws IOException {
        Path directory = segmentDirectory(recordingDirectory);
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            // Numbers have at least five digits; more only after 27 hours of 1-s segments, so compare by length first.
            // An empty segment is one the encoder had just opened: still being written, or left by a kill -9.
            return files.filter(file -> isSegment(file.getFileName().toString()) && hasContent(file))
                    .sorted((a, b) -> {
                        String x = a.getFileName().toString();
                        String y = b.getFileName().toString();
                        return x.length() != y.length() ? Integer.compare(x.length(), y.length()) : x.compareTo(y);
                    })
                    .toList();
        }
    }
}
