package dev.capstan.scheduler.api;

import dev.capstan.recorder.live.StreamStats;
import java.util.List;

/**
 * A running recording as the control API shows it. Stream addresses are masked.
 *
 * @param mode    {@code file}, {@code stream} or {@code both}
 * @param url     the page (or meeting) it records
 * @param state   its session's state: {@code pending}, {@code on}, {@code stopping}, ... ({@code running} for a
 *                recording that has no session, such as the demo)
 * @param streams its live destinations with their figures; empty until the page is joined, and without live output
 * @param speakerTracks how the capture of each speaker's sound goes, when asked for and once the recorder has said
 */
record RunningRecordingView(String id, String mode, String url, String state, List<StreamStats> streams,
        RecordingProgress.SpeakerTracksStatus speakerTracks) {

    /** A recording as its status tells it, wherever it runs. */
    static RunningRecordingView of(RecordingProgress.Progress progress) {
        return new RunningRecordingView(progress.id(), progress.mode(), progress.meeting(), progress.state(),
                progress.streams(), progress.speakerTracks());
    }
}
