package dev.capstan.scheduler.archive;

import dev.capstan.recorder.tracks.SpeakerTracks;
import dev.capstan.storage.archive.RecordingEntry;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * The speaker tracks of an archived recording: the manifest the catalog filed, and where each part's file is in the
 * store (beside the recording's media, as the spool stored the recording directory's extras).
 *
 * @param tracks    the filed manifest: only parts whose files were there when the recording was sealed
 * @param keyPrefix the store's key of the recording's directory, ending in {@code /}
 */
public record ArchivedTracks(SpeakerTracks tracks, String keyPrefix) {

    public ArchivedTracks {
        Objects.requireNonNull(tracks, "tracks");
        Objects.requireNonNull(keyPrefix, "keyPrefix");
    }

    /**
     * The tracks filed with {@code entry}; empty for a recording that has none.
     *
     * @throws IllegalStateException when the filed manifest cannot be read
     */
    public static Optional<ArchivedTracks> of(RecordingEntry entry) {
        if (entry.tracksJson().isEmpty()) {
            return Optional.empty();
        }
        SpeakerTracks tracks;
        try {
            tracks = SpeakerTracks.fromJson(entry.tracksJson().get());
        } catch (IOException e) {
            throw new IllegalStateException("recording " + entry.id() + " has speaker tracks that cannot be read: "
                    + e.getMessage(), e);
        }
        // The spool keys a recording's files below its id, the media as the extras (Spool#seal).
        String prefix = entry.mediaKey().map(key -> key.substring(0, key.lastIndexOf('/') + 1))
                .orElse(entry.id().value() + "/");
        return Optional.of(new ArchivedTracks(tracks, prefix));
    }

    /** How many speakers have sound in a file, as the recorder counts them while recording. */
    public int speakersWithFiles() {
        return (int) tracks.speakers().stream().filter(speaker -> !speaker.parts().isEmpty()).count();
    }

    public Optional<SpeakerTracks.Speaker> speaker(String id) {
        return tracks.speakers().stream().filter(speaker -> speaker.id().equals(id)).findFirst();
    }

    /** Part {@code number} of speaker {@code speakerId}, if there is one. */
    public Optional<SpeakerTracks.Part> part(String speakerId, int number) {
        return speaker(speakerId).flatMap(speaker -> speaker.parts().stream()
                .filter(part -> part.number() == number).findFirst());
    }

    /** The part's key in the store. */
    public String key(SpeakerTracks.Part part) {
        return keyPrefix + part.file();
    }
}
