package dev.capstan.scheduler.api;

import dev.capstan.scheduler.api.problem.ApiProblem;
import dev.capstan.scheduler.preview.LivePlaylist;
import dev.capstan.scheduler.preview.LivePreview;
import dev.capstan.scheduler.preview.PreviewSource;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.spool.SegmentLayout;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A running recording's live preview over HLS: an event playlist of the segments written so far, and the segments,
 * read from this host's spool directory (not the store, so a store outage does not stop the preview). Only the host
 * that records a recording serves its preview.
 */
@RestController
@RequestMapping(RecordingsController.PATH)
@Tag(name = "preview", description = "watch a recording while it runs")
class LivePreviewController {

    static final MediaType PLAYLIST = MediaType.parseMediaType("application/vnd.apple.mpegurl");
    private static final MediaType MP4 = MediaType.parseMediaType("video/mp4");
    private static final MediaType SEGMENT = MediaType.parseMediaType("video/iso.segment");
    /** A segment never changes once it has its name. */
    private static final CacheControl IMMUTABLE = CacheControl.maxAge(Duration.ofDays(1)).cachePrivate().immutable();

    private final LivePreview preview;
    private final Counter playlists;

    LivePreviewController(LivePreview preview, MeterRegistry meters) {
        this.preview = preview;
        this.playlists = Counter.builder("capstan.preview.playlists")
                .description("live preview playlists served").register(meters);
    }

    @GetMapping("/{id}/live.m3u8")
    @Operation(summary = "the live preview: an HLS event playlist of the segments written so far, ended once the "
            + "recording no longer captures", responses = {
            @ApiResponse(responseCode = "200", content = @Content(mediaType = "application/vnd.apple.mpegurl",
                    schema = @Schema(type = "string"))),
            @ApiResponse(responseCode = "400", description = "malformed id or _HLS_msn"),
            @ApiResponse(responseCode = "404", description = "no such recording, or nothing to preview (a live "
                    + "stream that keeps no file, or no segment yet)"),
            @ApiResponse(responseCode = "409", description = "another node records it: only that host serves its "
                    + "preview (its name in node)"),
            @ApiResponse(responseCode = "410", description = "it has ended and its segments are gone: its finished "
                    + "file plays from media")})
    CompletableFuture<ResponseEntity<String>> playlist(@PathVariable String id,
            @Parameter(name = "_HLS_msn", description = "a blocking reload: answer once the playlist lists the segment "
                    + "of this media sequence number (0 first), or the recording ended, or after 3 target durations")
            @RequestParam(name = "_HLS_msn", required = false) Long sequenceNumber, HttpServletResponse response)
            throws IOException {
        if (sequenceNumber != null && sequenceNumber < 0) {
            throw new ApiException(ApiProblem.INVALID_PARAMETER, "_HLS_msn must be a media sequence number: 0, 1, …");
        }
        PreviewSource.Here here = here(id);
        playlists.increment();
        // Set before the answer may go async: Spring Security would otherwise write its own no-store first.
        response.setHeader(HttpHeaders.CACHE_CONTROL, CacheControl.noCache().getHeaderValue());
        CompletableFuture<LivePlaylist> playlist = sequenceNumber == null
                ? CompletableFuture.completedFuture(preview.playlist(here))
                : preview.playlistListing(here, sequenceNumber);
        return playlist.thenApply(found -> ResponseEntity.ok().contentType(PLAYLIST)
                .cacheControl(CacheControl.noCache()).body(found.render()));
    }

    @GetMapping("/{id}/live/{name}")
    @Operation(summary = "a file of the live preview: init.mp4 or a segment seg_NNNNN.m4s", responses = {
            @ApiResponse(responseCode = "200", description = "init.mp4 as video/mp4, a segment as video/iso.segment",
                    content = {@Content(mediaType = "video/mp4", schema = @Schema(type = "string", format = "binary")),
                            @Content(mediaType = "video/iso.segment",
                                    schema = @Schema(type = "string", format = "binary"))}),
            @ApiResponse(responseCode = "400", description = "malformed id, or not init.mp4 or seg_NNNNN.m4s"),
            @ApiResponse(responseCode = "404", description = "no such recording or segment, or nothing to preview"),
            @ApiResponse(responseCode = "409", description = "another node records it"),
            @ApiResponse(responseCode = "410", description = "it has ended and its segments are gone")})
    ResponseEntity<byte[]> file(@PathVariable String id, @PathVariable String name) throws IOException {
        boolean init = name.equals(SegmentLayout.INIT);
        if (!init && !SegmentLayout.isSegment(name)) {
            throw new ApiException(ApiProblem.INVALID_PARAMETER, "a live preview's file is init.mp4 or a segment "
                    + "such as seg_00000.m4s, not " + ApiErrors.quote(name));
        }
        PreviewSource.Here here = here(id);
        Path file = SegmentLayout.segmentDirectory(here.directory()).resolve(name);
        byte[] bytes;
        try {
            // Read whole (a 2-s segment is a few MB at most): the spool may discard it once the file is filed.
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            bytes = new byte[0];
        }
        if (bytes.length == 0) {
            // Absent, or the segment the encoder is writing: not there yet.
            throw RecordingNotFoundException.part(here.part(), (init ? "" : "complete ") + name + " in its preview"
                    + (here.ended() ? "" : " yet"));
        }
        return ResponseEntity.ok().contentType(init ? MP4 : SEGMENT).cacheControl(IMMUTABLE).body(bytes);
    }

    private PreviewSource.Here here(String value) {
        RecordingId id = RecordingIdParameter.parse(value);
        PreviewSource source = preview.find(id).orElseThrow(() -> RecordingNotFoundException.recording(id));
        if (source instanceof PreviewSource.Here here) {
            return here;
        }
        if (source instanceof PreviewSource.Elsewhere elsewhere) {
            throw new PreviewUnavailableException(ApiProblem.PREVIEW_ELSEWHERE, "recording " + id + " is recorded by "
                    + elsewhere.node().map(node -> "node " + node).orElse("another node") + ": its preview is served "
                    + "only by the host that records it", elsewhere.node().map(node -> Map.of("node", node))
                    .orElse(Map.of()));
        }
        if (source instanceof PreviewSource.Finished finished) {
            throw ended(finished.entry());
        }
        throw new ApiException(ApiProblem.NO_PREVIEW, ((PreviewSource.Nothing) source).why());
    }

    private static PreviewUnavailableException ended(RecordingEntry entry) {
        String media = RecordingView.mediaLink(entry);
        return new PreviewUnavailableException(ApiProblem.PREVIEW_ENDED, "recording " + entry.id()
                + " has finished (" + entry.status().name().toLowerCase(Locale.ROOT) + "): its preview is over"
                + (media == null ? " and it has no file" : "; play its file at " + media),
                media == null ? Map.of() : Map.of("media", media));
    }
}
