package dev.capstan.recorder.output;

import dev.capstan.storage.media.FragmentedMp4;
import dev.capstan.storage.spool.SegmentLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.FileSystemUtils;

/**
 * The segments of a capture resumed after a pause. FFmpeg starts every capture's media at time 0, so the resumed
 * encoder writes into a staging directory of its own; each segment it completes is moved into the recording's
 * segments with its decode times moved to where the recording stood at the pause, and with the number that
 * follows the last one. The recording stays one timeline with one init segment: its file, its upload and its live
 * preview hold the media before and after the pause and nothing of the pause.
 *
 * <pre>
 * &lt;dir&gt;/resumed-&lt;n&gt;/init.mp4, seg_00012.m4s, ...   written by the resumed FFmpeg (numbered on)
 * &lt;dir&gt;/segments/seg_00012.m4s, ...                  moved here as soon as each is complete, times shifted
 * </pre>
 */
public final class ResumedRun implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ResumedRun.class);
    /** How often finished segments are moved over: well within a segment, so the preview lags no more for it. */
    private static final long MOVE_INTERVAL_MILLIS = 200;

    private final SegmentedRecording recording;
    private final Path staging;
    private final int firstSegment;
    private final Duration offset;
    private final ScheduledExecutorService mover;
    private int nextSegment;
    private boolean streamsChecked;
    private volatile String failure;

    private ResumedRun(SegmentedRecording recording, Path staging, int firstSegment, Duration offset) {
        this.recording = recording;
        this.staging = staging;
        this.firstSegment = firstSegment;
        this.nextSegment = firstSegment;
        this.offset = offset;
        this.mover = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "resumed-segments");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Prepares the staging directory of the {@code resume}-th resumption and starts moving what appears there. The
     * new segments continue the recording as it stands now.
     */
    public static ResumedRun start(SegmentedRecording recording, int resume) throws IOException {
        Path staging = recording.directory().resolve("resumed-" + resume);
        FileSystemUtils.deleteRecursively(staging);
        Files.createDirectories(staging);
        ResumedRun run = new ResumedRun(recording, staging, recording.nextSegmentNumber(), recording.mediaEnd());
        run.mover.scheduleWithFixedDelay(run::moveQuietly, MOVE_INTERVAL_MILLIS, MOVE_INTERVAL_MILLIS,
                TimeUnit.MILLISECONDS);
        return run;
    }

    /** Where the resumed encoder writes. */
    public Path stagingDirectory() {
        return staging;
    }

    /** The number of the resumed encoder's first segment. */
    public int firstSegment() {
        return firstSegment;
    }

    /** Where in the recording's media the resumed capture starts. */
    public Duration offset() {
        return offset;
    }

    /** Why the resumed segments cannot join the recording, once that is known (they are then left in staging). */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    private void moveQuietly() {
        try {
            moveCompleted();
        } catch (IOException | RuntimeException e) {
            if (failure == null) {
                failure = e.getMessage();
                log.error("segments resumed in {} cannot join the recording: {}", staging, e.getMessage());
            }
        }
    }

    /** Moves every segment the resumed encoder has completed, in order. */
    private synchronized void moveCompleted() throws IOException {
        if (failure != null) {
            return;
        }
        // FFmpeg renames a segment to its final name once complete (temp_file); its init segment, written in place,
        // is complete by the time the first segment is.
        Path next;
        while (Files.isRegularFile(next = SegmentLayout.segment(staging, nextSegment)) && Files.size(next) > 0) {
            if (!streamsChecked) {
                Path init = staging.resolve(SegmentLayout.INIT);
                if (!FragmentedMp4.sameStreams(recording.initSegment(), init)) {
                    throw new IOException("the resumed encoder writes other streams than the recording's: " + init);
                }
                streamsChecked = true;
            }
            Path target = SegmentLayout.segment(recording.segmentDirectory(), nextSegment);
            Path partial = target.resolveSibling("." + target.getFileName() + ".tmp");
            FragmentedMp4.shift(recording.initSegment(), next, offset, partial);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
            Files.delete(next);
            nextSegment++;
        }
    }

    /**
     * Once the resumed encoder has finished: moves its last segments and removes the staging directory (kept, with
     * whatever it holds, if they could not be moved).
     */
    @Override
    public void close() {
        mover.shutdownNow();
        try {
            mover.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        moveQuietly();
        if (failure == null) {
            FileSystemUtils.deleteRecursively(staging.toFile());
        }
    }
}
