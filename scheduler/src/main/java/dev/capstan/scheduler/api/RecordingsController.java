package dev.capstan.scheduler.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.tracks.SpeakerTracks;
import dev.capstan.scheduler.api.problem.ApiProblem;
import dev.capstan.scheduler.archive.ArchiveProperties;
import dev.capstan.scheduler.archive.ArchivedTracks;
import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.scheduler.archive.RecordingPauses;
import dev.capstan.storage.archive.CatalogQuery;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.blob.BlobStoreException;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.data.domain.Page;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRange;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * The archive over HTTP: search recordings, read one, play or download its MP4 (with byte ranges, so browsers
 * seek), see its thumbnail, list and play its speaker tracks and their timeline, delete it.
 */
@RestController
@RequestMapping(RecordingsController.PATH)
@Tag(name = "catalog", description = "search, read, play and delete recordings")
class RecordingsController {

    static final String PATH = "/api/v1/recordings";
    private static final MediaType MP4 = MediaType.parseMediaType("video/mp4");
    private static final MediaType OGG_AUDIO = MediaType.parseMediaType("audio/ogg");
    /** A part the recorder was still writing when it stopped for good (a crash): WebM, playable as it is. */
    private static final MediaType WEBM_AUDIO = MediaType.parseMediaType("audio/webm");
    private static final Pattern SPEAKER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Pattern PART_NUMBER = Pattern.compile("[1-9][0-9]{0,3}");

    private final RecordingArchive archive;
    private final ArchiveProperties properties;

    private final ObjectMapper json;

    RecordingsController(RecordingArchive archive, ArchiveProperties properties, ObjectMapper json) {
        this.archive = archive;
        this.properties = properties;
        this.json = json;
    }

    @GetMapping
    @Operation(summary = "search the catalog, newest first", responses = {
            @ApiResponse(responseCode = "200", content = @Content(
                    schema = @Schema(implementation = RecordingPage.class))),
            @ApiResponse(responseCode = "400", description = "a bad status, date, page or size")})
    RecordingPage search(
            @RequestParam Optional<String> room,
            @RequestParam Optional<String> status,
            @RequestParam Optional<String> from,
            @RequestParam Optional<String> to,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "" + CatalogQuery.DEFAULT_SIZE) int size) {
        CatalogQuery query;
        try {
            query = new CatalogQuery(room.filter(r -> !r.isBlank()).orElse(null),
                    status.map(RecordingsController::status).orElse(null),
                    from.map(value -> instant("from", value)).orElse(null),
                    to.map(value -> instant("to", value)).orElse(null), page, size);
        } catch (IllegalArgumentException outOfRange) {
            // CatalogQuery checks the page, the size and the order of from and to; its messages name only those.
            throw new ApiException(ApiProblem.INVALID_PARAMETER, outOfRange.getMessage());
        }
        Page<RecordingEntry> found = archive.catalog().search(query);
        return new RecordingPage(found.getContent().stream().map(this::view).toList(), found.getNumber(),
                found.getSize(), found.getTotalElements(), found.getTotalPages());
    }

    /** One recording; a session's top-level recording comes with its parts in order. */
    @GetMapping("/{id}")
    @Operation(summary = "one recording, with its parts", responses = {
            @ApiResponse(responseCode = "200", content = @Content(
                    schema = @Schema(implementation = RecordingView.class))),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "no such recording")})
    RecordingView recording(@PathVariable String id) {
        RecordingEntry entry = entry(id);
        List<RecordingEntry> parts = entry.parent().isPresent() ? null : archive.catalog().parts(entry.id());
        return RecordingView.of(entry, archive.upload(entry.id()), parts);
    }

    @DeleteMapping("/{id}")
    @Operation(summary = "delete a recording with its later parts, its objects and local files", responses = {
            @ApiResponse(responseCode = "204", description = "deleted"),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "no such recording"),
            @ApiResponse(responseCode = "409", description = "it or one of its parts is still being recorded"),
            @ApiResponse(responseCode = "503", description = "the store cannot be reached")})
    ResponseEntity<Void> delete(@PathVariable String id) throws BlobStoreException {
        RecordingEntry entry = entry(id);
        // What the archive would refuse to delete, refused here in the API's own words.
        List<RecordingEntry> doomed = entry.parent().isPresent() ? List.of(entry) : archive.catalog().parts(entry.id());
        doomed.stream().filter(member -> member.status() == RecordingStatus.RECORDING).findFirst().ifPresent(member -> {
            throw new ApiException(ApiProblem.STILL_RECORDING, "recording " + entry.id()
                    + (member.id().equals(entry.id()) ? "" : " has a part (" + member.id() + ") that")
                    + " is still being recorded; stop it first");
        });
        if (!archive.delete(entry.id())) {
            throw RecordingNotFoundException.recording(entry.id());
        }
        return ResponseEntity.noContent().build();
    }

    /**
     * The MP4, with byte ranges (see {@link #serve}).
     */
    @GetMapping("/{id}/media")
    @Operation(summary = "the MP4, with byte ranges", responses = {
            @ApiResponse(responseCode = "200", description = "the whole file", content = @Content(
                    mediaType = "video/mp4", schema = @Schema(type = "string", format = "binary"))),
            @ApiResponse(responseCode = "206", description = "the single byte range asked for (Content-Range)",
                    content = @Content(mediaType = "video/mp4", schema = @Schema(type = "string", format = "binary"))),
            @ApiResponse(responseCode = "302", description = "a presigned URL of the store (Location), when "
                    + "capstan.archive.media.presigned"),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "no such recording, or no media yet"),
            @ApiResponse(responseCode = "416", description = "the range starts past the end "
                    + "(Content-Range: bytes */size)"),
            @ApiResponse(responseCode = "503", description = "the store cannot be reached")})
    ResponseEntity<StreamingResponseBody> media(@PathVariable String id,
            @RequestHeader(name = HttpHeaders.RANGE, required = false) String range) throws BlobStoreException {
        RecordingEntry entry = entry(id);
        String key = entry.mediaKey().orElseThrow(() -> RecordingNotFoundException.part(entry.id(), "media yet"));
        return serve(key, MP4, () -> entry.sizeBytes().orElseThrow(
                        () -> RecordingNotFoundException.part(entry.id(), "media in the store")),
                entry.checksum(), range);
    }

    @GetMapping("/{id}/tracks")
    @Operation(summary = "each speaker's sound in files of its own, and who was audible when", responses = {
            @ApiResponse(responseCode = "200", content = @Content(
                    schema = @Schema(implementation = SpeakerTracksView.class))),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "no such recording, or it has no speaker tracks "
                    + "(not asked for, or not filed yet)")})
    SpeakerTracksView tracks(@PathVariable String id) {
        RecordingEntry entry = entry(id);
        return SpeakerTracksView.of(entry.id().value(), tracksOf(entry).tracks());
    }

    @GetMapping("/{id}/timeline")
    @Operation(summary = "the timeline: who was audible when (with speaker tracks), and each pause", responses = {
            @ApiResponse(responseCode = "200", content = @Content(
                    schema = @Schema(implementation = SpeakerTracksView.Timeline.class))),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "no such recording, or it has neither speaker tracks "
                    + "nor pauses")})
    SpeakerTracksView.Timeline timeline(@PathVariable String id) {
        RecordingEntry entry = entry(id);
        Optional<ArchivedTracks> tracks = ArchivedTracks.of(entry);
        // A running recording's pauses are filed at each pause and resume.
        RecordingPauses pauses = RecordingPauses.of(entry, json);
        if (tracks.isEmpty() && pauses.pauses().isEmpty()) {
            throw RecordingNotFoundException.part(entry.id(), "speaker tracks or pauses"
                    + (entry.status() == RecordingStatus.RECORDING ? " yet" : ""));
        }
        return SpeakerTracksView.timelineOf(entry.id().value(), tracks.map(ArchivedTracks::tracks), pauses);
    }

    /** A speaker's part as Ogg/Opus, its byte ranges served as the MP4's. */
    @GetMapping("/{id}/tracks/{speaker}/{part}")
    @Operation(summary = "one part of a speaker's sound (Ogg/Opus), with byte ranges", responses = {
            @ApiResponse(responseCode = "200", description = "the whole file", content = @Content(
                    mediaType = "audio/ogg", schema = @Schema(type = "string", format = "binary"))),
            @ApiResponse(responseCode = "206", description = "the single byte range asked for (Content-Range)",
                    content = @Content(mediaType = "audio/ogg", schema = @Schema(type = "string", format = "binary"))),
            @ApiResponse(responseCode = "302", description = "a presigned URL of the store (Location), when "
                    + "capstan.archive.media.presigned"),
            @ApiResponse(responseCode = "400", description = "malformed id, speaker or part"),
            @ApiResponse(responseCode = "404", description = "no such recording, speaker tracks, speaker or part"),
            @ApiResponse(responseCode = "416", description = "the range starts past the end "
                    + "(Content-Range: bytes */size)"),
            @ApiResponse(responseCode = "503", description = "the store cannot be reached")})
    ResponseEntity<StreamingResponseBody> track(@PathVariable String id, @PathVariable String speaker,
            @PathVariable String part, @RequestHeader(name = HttpHeaders.RANGE, required = false) String range)
            throws BlobStoreException {
        RecordingEntry entry = entry(id);
        if (!SPEAKER_ID.matcher(speaker).matches()) {
            throw new ApiException(ApiProblem.INVALID_PARAMETER, "speaker must be a speaker's id such as s1 "
                    + "(1-64 letters, digits, '-' or '_')");
        }
        if (!PART_NUMBER.matcher(part).matches()) {
            throw new ApiException(ApiProblem.INVALID_PARAMETER, "part must be a part's number: 1, 2, …");
        }
        ArchivedTracks tracks = tracksOf(entry);
        if (tracks.speaker(speaker).isEmpty()) {
            throw RecordingNotFoundException.part(entry.id(), "speaker " + speaker);
        }
        SpeakerTracks.Part found = tracks.part(speaker, Integer.parseInt(part)).orElseThrow(
                () -> RecordingNotFoundException.part(entry.id(), "part " + part + " of speaker " + speaker));
        String key = tracks.key(found);
        return serve(key, found.file().endsWith(".webm") ? WEBM_AUDIO : OGG_AUDIO,
                () -> statOrNotFound(key, entry.id(), "part " + part + " of speaker " + speaker + " in the store"),
                Optional.empty(), range);
    }

    private ArchivedTracks tracksOf(RecordingEntry entry) {
        return ArchivedTracks.of(entry).orElseThrow(() -> RecordingNotFoundException.part(entry.id(),
                "speaker tracks" + (entry.status() == RecordingStatus.RECORDING ? " yet" : "")));
    }

    private long statOrNotFound(String key, RecordingId id, String what) throws BlobStoreException {
        return archive.store().stat(key).orElseThrow(() -> RecordingNotFoundException.part(id, what)).size();
    }

    /** How long a stored file is: looked up only when it is served from here rather than redirected. */
    @FunctionalInterface
    private interface StoredSize {
        long bytes() throws BlobStoreException;
    }

    /**
     * A stored file, with byte ranges: a single range gets 206 with exactly those bytes; several ranges are answered
     * with the whole file (allowed by RFC 9110), which no player asks for anyway. With presigned URLs configured,
     * a redirect to the store instead.
     *
     */
    private ResponseEntity<StreamingResponseBody> serve(String key, MediaType type, StoredSize size,
            Optional<String> checksum, String range) throws BlobStoreException {
        String fileName = key.substring(key.lastIndexOf('/') + 1);
        BlobStore store = archive.store();
        if (properties.media().presigned()) {
            Optional<URI> url = store.presignedGet(key, properties.media().presignedValidity(), fileName);
            if (url.isPresent()) {
                return ResponseEntity.status(HttpStatus.FOUND).location(url.get()).build();
            }
        }
        return ranged(store, key, type, fileName, size.bytes(), checksum, range);
    }

    private static ResponseEntity<StreamingResponseBody> ranged(BlobStore store, String key, MediaType type,
            String fileName, long size, Optional<String> checksum, String range) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(type);
        headers.set(HttpHeaders.ACCEPT_RANGES, "bytes");
        headers.setContentDisposition(ContentDisposition.inline().filename(fileName).build());
        checksum.ifPresent(sha -> headers.setETag("\"" + sha + "\""));
        List<HttpRange> ranges = parseRanges(range);
        if (ranges.size() != 1) {
            headers.setContentLength(size);
            return new ResponseEntity<>(stream(store, key, 0, size), headers, HttpStatus.OK);
        }
        HttpRange requested = ranges.get(0);
        long start;
        long end;
        try {
            start = requested.getRangeStart(size);
            end = requested.getRangeEnd(size);
        } catch (IllegalArgumentException e) {
            start = size;
            end = size;
        }
        if (start >= size) {
            headers.set(HttpHeaders.CONTENT_RANGE, "bytes */" + size);
            return new ResponseEntity<>(headers, HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE);
        }
        long length = end - start + 1;
        headers.set(HttpHeaders.CONTENT_RANGE, "bytes " + start + "-" + end + "/" + size);
        headers.setContentLength(length);
        return new ResponseEntity<>(stream(store, key, start, length), headers, HttpStatus.PARTIAL_CONTENT);
    }

    @GetMapping("/{id}/thumbnail")
    @Operation(summary = "a 320-px JPEG taken 2 s into the recording", responses = {
            @ApiResponse(responseCode = "200", content = @Content(mediaType = "image/jpeg",
                    schema = @Schema(type = "string", format = "binary"))),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "no such recording, or no thumbnail"),
            @ApiResponse(responseCode = "503", description = "the store cannot be reached")})
    ResponseEntity<StreamingResponseBody> thumbnail(@PathVariable String id) throws BlobStoreException {
        RecordingEntry entry = entry(id);
        String key = entry.thumbnailKey().orElseThrow(() -> RecordingNotFoundException.part(entry.id(), "thumbnail"));
        long size = archive.store().stat(key)
                .orElseThrow(() -> RecordingNotFoundException.part(entry.id(), "thumbnail in the store")).size();
        return ResponseEntity.ok().contentType(MediaType.IMAGE_JPEG).contentLength(size)
                .body(stream(archive.store(), key, 0, size));
    }

    private static List<HttpRange> parseRanges(String header) {
        if (header == null || header.isBlank()) {
            return List.of();
        }
        try {
            return HttpRange.parseRanges(header);
        } catch (IllegalArgumentException e) {
            // A malformed Range header is ignored, as RFC 9110 asks: the whole representation follows.
            return List.of();
        }
    }

    private static StreamingResponseBody stream(BlobStore store, String key, long offset, long length) {
        return out -> {
            try (InputStream in = store.read(key, offset, length)) {
                in.transferTo(out);
            } catch (BlobStoreException e) {
                throw new UncheckedIOException(e);
            } catch (IOException e) {
                // The client went away mid-download: nothing to report.
            }
        };
    }

    private RecordingEntry entry(String id) {
        RecordingId recordingId = RecordingIdParameter.parse(id);
        return archive.catalog().find(recordingId).orElseThrow(() -> RecordingNotFoundException.recording(recordingId));
    }

    private RecordingView view(RecordingEntry entry) {
        return RecordingView.of(entry, archive.upload(entry.id()));
    }

    private static RecordingStatus status(String value) {
        try {
            return RecordingStatus.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ApiException(ApiProblem.INVALID_PARAMETER, "status must be one of " + Arrays.toString(
                    RecordingStatus.values()).toLowerCase(Locale.ROOT) + ", not " + ApiErrors.quote(value));
        }
    }

    private static Instant instant(String name, String value) {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new ApiException(ApiProblem.INVALID_PARAMETER, name + " must be an ISO-8601 instant such as "
                    + "2026-11-22T09:00:00Z, not " + ApiErrors.quote(value));
        }
    }
}
