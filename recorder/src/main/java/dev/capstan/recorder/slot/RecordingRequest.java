package dev.capstan.recorder.slot;

import dev.capstan.recorder.browser.MeetingPage;
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
 */
public record RecordingRequest(
        RecordingId id, MeetingPage page, Path outputDirectory, Optional<String> fileName, Optional<Duration> maxDuration) {

    public static RecordingRequest of(RecordingId id, MeetingPage page, Path outputDirectory) {
        return new RecordingRequest(id, page, outputDirectory, Optional.of(id.value()), Optional.empty());
    }

    /** Segments only: the archive's spool turns them into the final file. */
    public static RecordingRequest segmentsOnly(RecordingId id, MeetingPage page, Path outputDirectory) {
        return new RecordingRequest(id, page, outputDirectory, Optional.empty(), Optional.empty());
    }

    public RecordingRequest withMaxDuration(Duration limit) {
        return new RecordingRequest(id, page, outputDirectory, fileName, Optional.of(limit));
    }
}
