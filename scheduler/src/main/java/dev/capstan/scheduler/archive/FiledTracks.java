package dev.capstan.scheduler.archive;

import dev.capstan.recorder.tracks.SpeakerTracks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The speaker tracks a recording's directory holds, as the archive files them: the recorder's manifest with only the
 * parts whose files are there (a crash may have taken one), and the files to store beside the media.
 *
 * @param tracks what the catalog, metadata.json and the API show
 * @param files  the manifest and every part's file, relative to the recording's directory
 */
record FiledTracks(SpeakerTracks tracks, List<String> files) {

    /** A part's file as the recorder names it: directly below {@code tracks/}, nothing a key or journal trips on. */
    private static final Pattern PART_FILE = Pattern.compile(
            Pattern.quote(SpeakerTracks.DIRECTORY + "/") + "[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}");

    FiledTracks {
        files = List.copyOf(files);
    }

    /**
     * What {@code directory} holds of its speaker tracks; empty if the recorder wrote no manifest.
     *
     * @throws IOException when there is a manifest that cannot be read
     */
    static Optional<FiledTracks> in(Path directory) throws IOException {
        Optional<SpeakerTracks> written = SpeakerTracks.readFrom(directory);
        if (written.isEmpty()) {
            return Optional.empty();
        }
        SpeakerTracks tracks = written.get();
        List<String> files = new ArrayList<>(List.of(SpeakerTracks.MANIFEST));
        List<String> missing = new ArrayList<>();
        List<SpeakerTracks.Speaker> speakers = new ArrayList<>();
        for (SpeakerTracks.Speaker speaker : tracks.speakers()) {
            List<SpeakerTracks.Part> kept = new ArrayList<>();
            for (SpeakerTracks.Part part : speaker.parts()) {
                if (PART_FILE.matcher(part.file()).matches() && Files.isRegularFile(directory.resolve(part.file()))) {
                    kept.add(part);
                    files.add(part.file());
                } else {
                    missing.add(part.file());
                }
            }
            speakers.add(new SpeakerTracks.Speaker(speaker.id(), speaker.displayName(), speaker.key(),
                    speaker.participantIds(), kept, speaker.present(), speaker.muted(), speaker.audible()));
        }
        if (missing.isEmpty()) {
            return Optional.of(new FiledTracks(tracks, files));
        }
        String lost = (missing.size() == 1 ? "the file " : "the files ") + String.join(", ", missing)
                + (missing.size() == 1 ? " was" : " were") + " missing; the other tracks are kept";
        String detail = tracks.detail().isEmpty() ? lost : tracks.detail() + "; " + lost;
        return Optional.of(new FiledTracks(new SpeakerTracks(tracks.capture(), detail, speakers, tracks.timeline()),
                files));
    }
}
