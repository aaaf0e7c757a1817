package dev.capstan.recorder.slot;

import dev.capstan.recorder.capture.Capture;
import dev.capstan.recorder.capture.CaptureCommand;
import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.capture.LiveTap;
import dev.capstan.recorder.capture.VideoProfile;
import dev.capstan.recorder.output.ResumedRun;
import dev.capstan.recorder.output.SegmentedRecording;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The encoders of one recording: the first, and one more after each pause. A pause stops the encoder (nothing is
 * grabbed during it); a resume starts another whose segments continue the first one's (see {@link ResumedRun}).
 * Every run encodes with the first one's profile, since all segments share the first run's init segment. Used by
 * the recording's own thread only.
 */
final class CaptureRuns {

    private final RecordingRequest request;
    private final Slot.Parts parts;
    private final Path ffmpeg;
    private final SegmentedRecording output;
    private final VideoProfile profile;
    private final Consumer<CaptureProgress> onProgress;
    private Capture current;
    private Optional<ResumedRun> resumed = Optional.empty();
    private int resumes;
    /** Frames the runs before the current one encoded: the current one's count continues from there. */
    private long framesBefore;
    private Instant pausedAt;
    private Duration paused = Duration.ZERO;
    private CaptureSpan.EncoderEnd worstPauseEnd = CaptureSpan.EncoderEnd.DRAINED;

    CaptureRuns(RecordingRequest request, Slot.Parts parts, Path ffmpeg, SegmentedRecording output,
            VideoProfile profile, Consumer<CaptureProgress> onProgress) {
        this.request = request;
        this.parts = parts;
        this.ffmpeg = ffmpeg;
        this.output = output;
        this.profile = profile;
        this.onProgress = onProgress;
    }

    /** Starts the first encoder, into the recording's segments. */
    Capture start(Duration segmentLength, Duration audioDelay, Optional<LiveTap> tap) throws IOException {
        CaptureCommand command = command(output.segmentDirectory(), 0, segmentLength, audioDelay,
                request.maxDuration(), tap);
        current = Capture.start(ffmpeg, command, output.captureLog(), output::bytesWritten, onProgress);
        return current;
    }

    /** One run's encoder: this slot's display and sound, the recording's profile, size and media. */
    private CaptureCommand command(Path segments, int firstSegment, Duration segmentLength, Duration audioDelay,
            Optional<Duration> maxDuration, Optional<LiveTap> tap) {
        return new CaptureCommand(parts.display().name(), parts.sink().server(), parts.sink().monitorSource(),
                profile, segments, segmentLength, audioDelay, maxDuration, tap, request.size(), request.media(),
                firstSegment);
    }

    /** The encoder of the current run (stopped while paused). */
    Capture current() {
        return current;
    }

    boolean paused() {
        return pausedAt != null;
    }

    Optional<Instant> pausedAt() {
        return Optional.ofNullable(pausedAt);
    }

    /**
     * Stops the current encoder for a pause, dated {@code at}: it writes out what it grabbed before. Returns where
     * the recording's media stands.
     */
    Duration pause(Instant at, Duration drainStall) throws IOException {
        Capture.Ending ending = current.stop(drainStall);
        CaptureSpan.EncoderEnd end = CaptureSpan.EncoderEnd.of(ending);
        if (end.compareTo(worstPauseEnd) > 0) {
            worstPauseEnd = end;
        }
        closeResumed();
        pausedAt = at;
        framesBefore += ending.last().frames();
        return output.mediaEnd();
    }

    /**
     * Starts the next encoder after a pause, continuing the recording's segments; the caller waits for its first
     * frame and then calls {@link #resumed}.
     *
     * @param segmentLength as the first run's
     */
    Capture resume(Duration segmentLength, Duration audioDelay) throws IOException {
        resumes++;
        ResumedRun run = ResumedRun.start(output, resumes);
        resumed = Optional.of(run);
        Optional<Duration> left = request.maxDuration().map(limit -> limit.minus(run.offset()));
        CaptureCommand command = command(run.stagingDirectory(), run.firstSegment(), segmentLength, audioDelay,
                left.map(remaining -> remaining.isNegative() ? Duration.ZERO : remaining), Optional.empty());
        Duration offset = run.offset();
        long frames = framesBefore;
        current = Capture.start(ffmpeg, command, output.captureLog(resumes), output::bytesWritten,
                latest -> onProgress.accept(continued(latest, offset, frames)));
        return current;
    }

    /** The resumed encoder grabbed its first frame {@code at}: the pause is over. Returns how long it lasted. */
    Duration resumed(Instant at) {
        Duration pause = Duration.between(pausedAt, at);
        paused = paused.plus(pause.isNegative() ? Duration.ZERO : pause);
        pausedAt = null;
        return pause;
    }

    /** The media a resumed run's figures continue. */
    Duration position() {
        return resumed.map(ResumedRun::offset).orElse(Duration.ZERO);
    }

    /** Why the resumed segments cannot join the recording, if they cannot. */
    Optional<String> failure() {
        return resumed.flatMap(ResumedRun::failure);
    }

    /** Once the last encoder has stopped: its segments join the recording. */
    void finish() {
        closeResumed();
    }

    /** The last run's figures on the recording's timeline. */
    CaptureProgress continued(CaptureProgress last) {
        return resumes == 0 ? last : continued(last, position(), framesBefore);
    }

    private static CaptureProgress continued(CaptureProgress run, Duration offset, long frames) {
        return new CaptureProgress(run.frames() + frames, run.fps(), run.speed(), run.duplicatedFrames(),
                run.droppedFrames(), run.recorded().plus(offset), run.bytes(), run.deliveredFps());
    }

    /**
     * The span the recording's media covers: from the first run's first frame to {@code end}, less the pauses. A
     * recording that ends paused ends at its pause.
     */
    CaptureSpan span(Instant on, Instant end, CaptureSpan.EncoderEnd lastEnd) {
        Instant until = pausedAt != null ? pausedAt : end;
        Instant last = until.isBefore(on) ? on : until;
        CaptureSpan.EncoderEnd worst = lastEnd.compareTo(worstPauseEnd) > 0 ? lastEnd : worstPauseEnd;
        Duration within = Duration.between(on, last);
        return new CaptureSpan(on, last, worst, paused.compareTo(within) > 0 ? within : paused);
    }

    private void closeResumed() {
        resumed.ifPresent(ResumedRun::close);
    }
}
