package dev.capstan.scheduler.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capstan.recorder.output.Thumbnail;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.blob.LocalBlobStore;
import dev.capstan.storage.media.FragmentedMp4;
import dev.capstan.storage.spool.ArchivedMedia;
import dev.capstan.storage.spool.SegmentLayout;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files a recording leaves as Jibri would: its media's name, {@code metadata.json} and a thumbnail next to the
 * media, and the directory Jibri's finalize script expects.
 */
final class JibriFiles {

    private static final Logger log = LoggerFactory.getLogger(JibriFiles.class);
    static final String METADATA = "metadata.json";
    static final String THUMBNAIL = "thumbnail.jpg";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd-HH-mm-ss");

    private final ObjectMapper json;
    private final Supplier<Path> ffmpeg;

    JibriFiles(ObjectMapper json, Supplier<Path> ffmpeg) {
        this.json = json;
        this.ffmpeg = ffmpeg;
    }

    /** Jibri's file name: {@code <room>_<yyyy-MM-dd-HH-mm-ss>.mp4}, limited to safe characters. */
    static String mediaName(RecordingOrder order) {
        return baseName(order.room(), order.requestedAt()) + ".mp4";
    }

    /**
     * A salvaged recording's file name: Jibri's with {@code _salvaged}, so that it can never be the object its
     * vanished recorder would have completed, should that node come back and finish its own copy meanwhile.
     */
    static String salvagedName(RecordingEntry entry) {
        return baseName(entry.room().orElse("recording"), entry.startedAt()) + "_salvaged.mp4";
    }

    private static String baseName(String room, Instant startedAt) {
        String safe = room.replaceAll("[^A-Za-z0-9_-]", "_");
        if (safe.length() > 100) {
            safe = safe.substring(0, 100);
        }
        return safe + "_" + STAMP.format(startedAt.atZone(ZoneId.systemDefault()));
    }

    /**
     * Jibri's metadata.json: the meeting URL, the participants seen and the client's file_recording_metadata; and
     * Capstan's speaker tracks and pauses when it has them.
     */
    void writeMetadata(RecordingEntry entry, Path directory) throws IOException {
        ObjectNode metadata = json.createObjectNode();
        metadata.put("meeting_url", entry.meetingUrl());
        metadata.set("participants", json.readTree(entry.participantsJson()));
        var fileMetadata = json.readTree(entry.appDataJson()).get("file_recording_metadata");
        if (fileMetadata != null && fileMetadata.isObject()) {
            fileMetadata.fields().forEachRemaining(field -> metadata.set(field.getKey(), field.getValue()));
        }
        if (entry.tracksJson().isPresent()) {
            // Each speaker's files (relative to this file's directory), their spans and who was audible when.
            metadata.set("speaker_tracks", json.readTree(entry.tracksJson().get()));
        }
        if (entry.pausesJson().isPresent()) {
            // Each pause: when it began and ended (wall time) and where in the file the recording continued.
            metadata.set("pauses", json.readTree(entry.pausesJson().get()));
        }
        if (entry.parent().isPresent()) {
            // Which recording this file continues: a session that moved to another slot after a fault.
            metadata.put("recording_id", entry.parent().get().value());
            metadata.put("part", entry.part());
            metadata.put("part_id", entry.id().value());
        }
        Path temp = directory.resolve(METADATA + ".tmp");
        json.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), metadata);
        Files.move(temp, directory.resolve(METADATA), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Writes the thumbnail next to the segments; false (logged) if it could not be made, and false for an
     * audio-only recording, which has no picture to show.
     */
    boolean thumbnail(RecordingId id, Path directory, List<Path> segments, Duration total) {
        // Two seconds in shows the meeting rather than its first, often blank, frame.
        Duration at = total.compareTo(Duration.ofSeconds(4)) < 0 ? total.dividedBy(2) : Duration.ofSeconds(2);
        try {
            if (!FragmentedMp4.hasVideo(SegmentLayout.init(directory))) {
                return false;
            }
            Thumbnail.extract(ffmpeg.get(), SegmentLayout.init(directory), segments, at, directory.resolve(THUMBNAIL));
            return true;
        } catch (IOException | RuntimeException e) {
            log.warn("recording {}: no thumbnail: {}", id, e.getMessage());
            return false;
        }
    }

    /**
     * Jibri's scripts expect the media file and metadata.json in one local directory. A local store has exactly
     * that; for S3 the spool directory gets the MP4, composed from the local segments into the very bytes the
     * store holds, without downloading it.
     */
    static Path finalizeDirectory(BlobStore store, ArchivedMedia media, Path spoolDirectory) {
        if (store instanceof LocalBlobStore local) {
            Optional<Path> file = local.localFile(media.mediaKey());
            if (file.isPresent()) {
                return file.get().getParent();
            }
        }
        Path target = spoolDirectory.resolve(media.mediaKey().substring(media.mediaKey().lastIndexOf('/') + 1));
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(target))) {
            FragmentedMp4.compose(SegmentLayout.init(spoolDirectory), SegmentLayout.completedSegments(spoolDirectory),
                    out);
        } catch (IOException e) {
            log.warn("recording {}: could not write the media for the finalize command: {}", media.id(),
                    e.getMessage());
        }
        return spoolDirectory;
    }
}
