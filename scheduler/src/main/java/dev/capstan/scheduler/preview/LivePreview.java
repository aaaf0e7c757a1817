package dev.capstan.scheduler.preview;

import dev.capstan.recorder.slot.Recording;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.spool.SegmentLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.stereotype.Service;

/**
 * A recording's live preview from the segments its recorder has written so far on this host: where they are, and
 * their playlist.
 */
@Service
public class LivePreview implements AutoCloseable {

    private final Sessions sessions;
    private final Recordings recordings;
    /** How often a blocking reload looks for the segment it waits for: a segment appears every 2 s. */
    private static final Duration POLL = Duration.ofMillis(100);

    private final SegmentLengths lengths = new SegmentLengths();
    private final ScheduledExecutorService waits = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "live-preview");
        thread.setDaemon(true);
        return thread;
    });

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
        if (session.isPresent() && !session.get().state().isFinal() && !Session.LOCAL.equals(session.get().node())) {
            String node = session.get().node();
            return Optional.of(node == null || node.isBlank()
                    ? new PreviewSource.Nothing("recording " + id + " has not started recording yet")
                    : new PreviewSource.Elsewhere(Optional.of(node)));
        }
        Path directory = recordings.archive().spool().directory(part);
        if (Files.isRegularFile(SegmentLayout.init(directory))) {
            // Ended here, its segments still in the spool (uploading, or kept until the file is filed).
            return Optional.of(new PreviewSource.Here(part, directory, true));
        }
        Optional<RecordingEntry> entry = recordings.archive().catalog().find(part);
        if (entry.isEmpty()) {
            return session.map(found -> new PreviewSource.Nothing("recording " + id + " keeps no file"));
        }
        if (entry.get().status() == RecordingStatus.RECORDING) {
            // Not here and not ended: a node of the fleet records it (or it is about to write its first segment).
            return Optional.of(session.isPresent() && Session.LOCAL.equals(session.get().node())
                    ? new PreviewSource.Nothing("recording " + id + " has not written its first segment yet")
                    : new PreviewSource.Elsewhere(session.map(Session::node)));
        }
        return Optional.of(new PreviewSource.Finished(entry.get()));
    }

    /** The playlist of the segments written so far. */
    public LivePlaylist playlist(PreviewSource.Here source) throws IOException {
        return lengths.playlist(source.directory(), source.ended());
    }

    /**
     * A blocking reload: the playlist once it lists the segment of {@code sequenceNumber}, or once the recording no
     * longer captures, or as it is after {@link LivePlaylist#longestBlock}.
     */
    public CompletableFuture<LivePlaylist> playlistListing(PreviewSource.Here source, long sequenceNumber)
            throws IOException {
        LivePlaylist now = playlist(source);
        if (now.ended() || now.lists(sequenceNumber)) {
            return CompletableFuture.completedFuture(now);
        }
        CompletableFuture<LivePlaylist> answer = new CompletableFuture<>();
        long deadline = System.nanoTime() + now.longestBlock().toNanos();
        ScheduledFuture<?> polling = waits.scheduleWithFixedDelay(() -> {
            try {
                // Found afresh: the recording may have stopped meanwhile.
                PreviewSource.Here current = find(source.part()).filter(PreviewSource.Here.class::isInstance)
                        .map(PreviewSource.Here.class::cast).orElse(new PreviewSource.Here(source.part(),
                                source.directory(), true));
                LivePlaylist playlist = playlist(current);
                if (playlist.ended() || playlist.lists(sequenceNumber) || System.nanoTime() > deadline) {
                    answer.complete(playlist);
                }
            } catch (IOException | RuntimeException e) {
                answer.completeExceptionally(e);
            }
        }, POLL.toMillis(), POLL.toMillis(), TimeUnit.MILLISECONDS);
        answer.whenComplete((playlist, error) -> polling.cancel(false));
        return answer;
    }

    @Override
    public void close() {
        waits.shutdownNow();
    }
}
