package dev.capstan.recorder.slot;

import dev.capstan.recorder.browser.Participant;
import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.tracks.TrackCaptureStatus;
import dev.capstan.storage.archive.RecordingId;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What a slot reports about a recording, in the order it happens. Every recording ends with one {@link Outcome}. */
public sealed interface SlotEvent {

    RecordingId recordingId();

    /** The browser is in the meeting (for a plain page: it has loaded). */
    record Joined(RecordingId recordingId, Duration sinceRequest) implements SlotEvent {
    }

    /** The encoder wrote its first frame: the recording is really on. */
    record FirstFrameWritten(RecordingId recordingId, Duration sinceRequest) implements SlotEvent {
    }

    /** The encoder's running figures, about once a second. */
    record Progress(RecordingId recordingId, CaptureProgress progress) implements SlotEvent {
    }

    /**
     * Someone new was seen in the meeting (or someone's name became known). {@code everyoneSeen} is everyone
     * recorded so far, in the order they were first seen, like the participants of Jibri's metadata.
     */
    record ParticipantsSeen(RecordingId recordingId, List<Participant> everyoneSeen) implements SlotEvent {

        public ParticipantsSeen {
            everyoneSeen = List.copyOf(everyoneSeen);
        }
    }

    /** A live destination changed state: connected, dropped, given up, stopped. The address is masked. */
    record StreamChanged(RecordingId recordingId, StreamStats stream) implements SlotEvent {
    }

    /**
     * The capture of each speaker's sound changed: it began, a speaker was added, the page turned out to offer no
     * tracks, or the capture broke (the composite recording goes on).
     */
    record TracksChanged(RecordingId recordingId, TrackCaptureStatus status) implements SlotEvent {
    }

    /**
     * The capture stopped for a pause: nothing from {@code at} on is recorded until it resumes. {@code position} is
     * where the recording's media stands (the resumed capture continues there).
     */
    record Paused(RecordingId recordingId, Instant at, Duration position) implements SlotEvent {
    }

    /**
     * The capture is on again: its first frame was grabbed {@code at}, {@code pausedFor} after the pause, and lies
     * at {@code position} in the recording's media.
     */
    record Resumed(RecordingId recordingId, Instant at, Duration position, Duration pausedFor) implements SlotEvent {
    }

    /** The last event of a recording. */
    sealed interface Outcome extends SlotEvent {
    }

    /**
     * The recording ended cleanly: as asked, at its maximum duration, or because the meeting was over
     * ({@code cause} says which); {@code file} is the finished MP4.
     */
    record Stopped(RecordingId recordingId, Optional<Path> file, CaptureProgress last, StopCause cause,
            CaptureSpan span) implements Outcome {
    }

    /**
     * The recording failed; whatever was recorded before that is kept in {@code partialFile}. {@code span} is
     * present when the capture had been on.
     */
    record Failed(RecordingId recordingId, Failure failure, Optional<Path> partialFile, Optional<CaptureSpan> span)
            implements Outcome {

        /** A failure before anything was captured. */
        public Failed(RecordingId recordingId, Failure failure) {
            this(recordingId, failure, Optional.empty(), Optional.empty());
        }
    }
}
