package dev.capstan.recorder.slot;

import dev.capstan.recorder.browser.MeetingPage;
import dev.capstan.recorder.capture.CaptureMedia;
import dev.capstan.recorder.capture.OutputSize;
import dev.capstan.recorder.live.LiveOutput;
import dev.capstan.storage.archive.RecordingId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * What to record and where to put it.
 *
 * @param outputDirectory this recording's own directory; segments go below it and the MP4 into it
 * @param fileName        the name (without {@code .mp4}) of a playable file to assemble in the output directory
 *                        at the end; empty when the archive makes the final file from the segments instead
 * @param maxDuration     the recording stops by itself after this much media
 * @param autoStop        the recording watches the meeting and ends when it is over (empty, everyone muted) or
 *                        fails when nothing arrives from it; only for pages that can be looked into
 * @param live            the same encode also streams live (RTMP/RTMPS), with or without the file
 * @param size            a picture smaller than the slot's display, scaled by the encoder; empty: the display's size
 * @param media           the page's picture and sound, or its sound alone (which takes no live output and no size)
 * @param speakerTracks   each remote speaker's sound is also kept in files of its own, below {@code tracks/}, when
 *                        the page offers its tracks (see {@link dev.capstan.recorder.tracks.SpeakerTracks})
 */
public record RecordingRequest(RecordingId id, MeetingPage page, Path outputDirectory, Optional<String> fileName,
        Optional<Duration> maxDuration, Optional<AutoStop> autoStop, Optional<LiveOutput> live,
        Optional<OutputSize> size, CaptureMedia media, boolean speakerTracks) {

    public RecordingRequest {
        if (!media.hasVideo() && (live.isPresent() || size.isPresent())) {
            throw new IllegalArgumentException("an audio-only recording keeps a file only: no live output, no size");
        }
        if (speakerTracks && !recordsFile(live)) {
            throw new IllegalArgumentException("speaker tracks are kept beside a recorded file, not a stream alone");
        }
    }

    /** Picture and sound. */
    public RecordingRequest(RecordingId id, MeetingPage page, Path outputDirectory, Optional<String> fileName,
            Optional<Duration> maxDuration, Optional<AutoStop> autoStop, Optional<LiveOutput> live,
            Optional<OutputSize> size) {
        this(id, page, outputDirectory, fileName, maxDuration, autoStop, live, size, CaptureMedia.AUDIO_AND_VIDEO,
                false);
    }

    /** At the display's size. */
    public RecordingRequest(RecordingId id, MeetingPage page, Path outputDirectory, Optional<String> fileName,
            Optional<Duration> maxDuration, Optional<AutoStop> autoStop, Optional<LiveOutput> live) {
        this(id, page, outputDirectory, fileName, maxDuration, autoStop, live, Optional.empty());
    }

    public static RecordingRequest of(RecordingId id, MeetingPage page, Path outputDirectory) {
        return new RecordingRequest(id, page, outputDirectory, Optional.of(id.value()), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    /** Segments only: the archive's spool turns them into the final file. */
    public static RecordingRequest segmentsOnly(RecordingId id, MeetingPage page, Path outputDirectory) {
        return new RecordingRequest(id, page, outputDirectory, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    public RecordingRequest withMaxDuration(Duration limit) {
        return new RecordingRequest(id, page, outputDirectory, fileName, Optional.of(limit), autoStop, live, size,
                media, speakerTracks);
    }

    public RecordingRequest withAutoStop(AutoStop rules) {
        return new RecordingRequest(id, page, outputDirectory, fileName, maxDuration, Optional.of(rules), live, size,
                media, speakerTracks);
    }

    public RecordingRequest withLive(LiveOutput output) {
        return new RecordingRequest(id, page, outputDirectory, fileName, maxDuration, autoStop, Optional.of(output),
                size, media, speakerTracks);
    }

    /** Scaled to {@code box} (within the slot's display; a larger one fails the capture). */
    public RecordingRequest withSize(OutputSize box) {
        return new RecordingRequest(id, page, outputDirectory, fileName, maxDuration, autoStop, live, Optional.of(box),
                media, speakerTracks);
    }

    /** The page's sound alone: no display grab and no video encode. */
    public RecordingRequest audioOnly() {
        return new RecordingRequest(id, page, outputDirectory, fileName, maxDuration, autoStop, live, size,
                CaptureMedia.AUDIO_ONLY, speakerTracks);
    }

    /** Each remote speaker's sound in files of their own too, when the page offers its tracks. */
    public RecordingRequest withSpeakerTracks() {
        return new RecordingRequest(id, page, outputDirectory, fileName, maxDuration, autoStop, live, size, media,
                true);
    }

    /** True unless this is a live stream that keeps no file. */
    public boolean recordsFile() {
        return recordsFile(live);
    }

    private static boolean recordsFile(Optional<LiveOutput> live) {
        return live.map(LiveOutput::withFile).orElse(true);
    }
}
