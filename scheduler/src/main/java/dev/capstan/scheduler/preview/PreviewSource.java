package dev.capstan.scheduler.preview;

import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import java.nio.file.Path;
import java.util.Optional;

/** Where a recording's live preview can be had, if anywhere: what {@link LivePreview#find} found. */
public sealed interface PreviewSource {

    /**
     * Its segments are on this host, in the spool directory its recorder writes into (read from there, so that a store
     * outage does not stop the preview).
     *
     * @param part  the catalog recording whose segments these are (a continued session's current part)
     * @param ended whether it no longer captures: the playlist is complete
     */
    record Here(RecordingId part, Path directory, boolean ended) implements PreviewSource {
    }

    /** Another node of the fleet records it (that node when its session says which): only it has the segments. */
    record Elsewhere(Optional<String> node) implements PreviewSource {
    }

    /** It has ended and its segments are no longer on this host: the finished file is what there is to play. */
    record Finished(RecordingEntry entry) implements PreviewSource {
    }

    /** It keeps no file (a live stream only), or has not begun to record yet: there is nothing to preview. */
    record Nothing(String why) implements PreviewSource {
    }
}
