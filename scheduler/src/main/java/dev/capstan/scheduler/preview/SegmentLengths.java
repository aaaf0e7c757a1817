package dev.capstan.scheduler.preview;

import dev.capstan.storage.media.FragmentedMp4;
import dev.capstan.storage.spool.SegmentLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The playlists of recording directories: each complete segment with its length, read from its boxes once (a
 * segment never changes once it has its name). What is known of a directory goes when the directory does.
 */
final class SegmentLengths {

    private static final Logger log = LoggerFactory.getLogger(SegmentLengths.class);

    /** Per recording directory: each listed segment's length by its name. */
    private final Map<Path, Map<String, Duration>> lengths = new ConcurrentHashMap<>();

    /**
     * The playlist of the complete segments in {@code directory} so far. A segment that cannot be read ends the list
     * there: a player must see no gap.
     */
    LivePlaylist playlist(Path directory, boolean ended) throws IOException {
        lengths.keySet().removeIf(known -> !Files.isDirectory(known));
        Path init = SegmentLayout.init(directory);
        List<LivePlaylist.Segment> segments = new ArrayList<>();
        if (!Files.isRegularFile(init)) {
            return new LivePlaylist(segments, ended);
        }
        Map<String, Duration> known = lengths.computeIfAbsent(directory, ignored -> new ConcurrentHashMap<>());
        for (Path file : SegmentLayout.completedSegments(directory)) {
            String name = file.getFileName().toString();
            Duration length = known.get(name);
            if (length == null) {
                try {
                    length = FragmentedMp4.segmentDuration(init, file);
                } catch (IOException unreadable) {
                    log.debug("{}: {} not listed: {}", directory, name, unreadable.getMessage());
                    break;
                }
                known.put(name, length);
            }
            segments.add(new LivePlaylist.Segment(name, length));
        }
        return new LivePlaylist(segments, ended);
    }

    /** How many directories are known: for tests. */
    int directories() {
        return lengths.size();
    }
}
