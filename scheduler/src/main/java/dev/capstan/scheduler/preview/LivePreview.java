package dev.capstan.scheduler.preview;

import dev.capstan.recorder.slot.Recording;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.media.FragmentedMp4;
import dev.capstan.storage.spool.SegmentLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;

/**
 * A recording's live preview from the segments its recorder has written so far on this host: where they are, and
 * their playlist. Each segment's length is read from its boxes once (a complete segment never changes); what is
 * known of a recording goes when its directory does.
 */
@Service
public class LivePreview {

    private static final Logger log = LoggerFactory.getLogger(LivePreview.class);

    private final Sessions sessions;
    private final Recordings recordings;
    /** Per recording directory: each listed segment's length by its name. */
    private final Map<Path, Map<String, Duration>> lengths = new ConcurrentHashMap<>();

    public LivePreview(Sessions sessions, Recordings recordings) {
        this.sessions = sessions;
        this.recordings = recordings;
    }

    /** Where the recording's preview is; empty when no recording has this id. */
    public Optional<PreviewSource> find(RecordingId id) {
        Optional<Session> session = sessions.find(id);
        // A session continued after a fault records its current part under that part's own id.
        RecordingId part = session.map(Session::partId).orElse(id);
        Optional<Recording> running = recordings.running(part);
        if (running.isPresent()) {
            return Optional.of(running.get().request().recordsFile()
                    ? new PreviewSource.Here(part, running.get().request().outputDirectory(), false)
                    : new PreviewSource.Nothing("recording " + id + " is a live stream that keeps no file"));
        }
        Optional<RecordingEntry> entry = recordings.archive().catalog().find(part);
        if (session.isPresent() && !session.get().state().isFinal() && !Session.LOCAL.equals(session.get().node())) {
            String node = session.get().node();
            return Optional.of(node == null || node.isBlank()
                    ? new PreviewSource.Nothing("recording " + id + " has not started recording yet")
                    : new PreviewSource.Elsewhere(node));
        }
        Path directory = recordings.archive().spool().directory(part);
        if (Files.isRegularFile(SegmentLayout.init(directory))) {
            // Ended here, its segments still in the spool (uploading, or kept until the file is filed).
            return Optional.of(new PreviewSource.Here(part, directory, true));
        }
        if (entry.isEmpty()) {
            return session.map(found -> new PreviewSource.Nothing("recording " + id + " keeps no file"));
        }
        if (entry.get().status() == RecordingStatus.RECORDING) {
            // Not here and not ended: a node of the fleet records it (or it is about to write its first segment).
            return Optional.of(session.isPresent() && Session.LOCAL.equals(session.get().node())
                    ? new PreviewSource.Nothing("recording " + id + " has not written its first segment yet")
                    : new PreviewSource.Elsewhere(session.map(Session::node).orElse("another node")));
        }
        return Optional.of(new PreviewSource.Finished(entry.get()));
    }

    /**
     * The playlist of the segments written so far. A segment that cannot be read ends the list there: a player
     * must see no gap.
     */
    public LivePlaylist playlist(PreviewSource.Here source) throws IOException {
        forgetGone();
        Path directory = source.directory();
        Map<String, Duration> known = lengths.computeIfAbsent(directory, ignored -> new ConcurrentHashMap<>());
        Path init = SegmentLayout.init(directory);
        List<LivePlaylist.Segment> segments = new ArrayList<>();
        if (Files.isRegularFile(init)) {
            for (Path file : SegmentLayout.completedSegments(directory)) {
                String name = file.getFileName().toString();
                Duration length = known.get(name);
                if (length == null) {
                    try {
                        length = FragmentedMp4.segmentDuration(init, file);
                    } catch (IOException unreadable) {
                        log.debug("recording {}: {} not listed: {}", source.part(), name, unreadable.getMessage());
                        break;
                    }
                    known.put(name, length);
                }
                segments.add(new LivePlaylist.Segment(name, length));
            }
        }
        return new LivePlaylist(segments, source.ended());
    }

    /** What was known of recordings whose directory has gone since. */
    private void forgetGone() {
        lengths.keySet().removeIf(directory -> !Files.isDirectory(directory));
    }
}
