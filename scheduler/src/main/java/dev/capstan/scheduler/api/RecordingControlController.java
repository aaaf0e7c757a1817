package dev.capstan.scheduler.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capstan.recorder.capture.VideoProfile;
import dev.capstan.recorder.live.LiveSettings;
import dev.capstan.recorder.live.StreamPolicy;
import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.slot.PauseRefusedException;
import dev.capstan.scheduler.api.problem.ApiProblem;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.scheduler.pool.RecorderProperties;
import dev.capstan.scheduler.session.Pausing;
import dev.capstan.scheduler.session.RecorderNode;
import dev.capstan.scheduler.session.RunningSession;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionListener;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.scheduler.session.StartRefusedException;
import dev.capstan.scheduler.session.StreamChangeRefusedException;
import dev.capstan.storage.archive.RecordingId;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.ArraySchema;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Recordings and live streams started, watched and stopped over REST: start one from a page address or a Jitsi room
 * JID with live destinations (or none), follow its status (once or as a stream of events), add and remove
 * destinations while it runs, stop it. Everything is read into one {@link RecordingPlan} before anything starts,
 * which runs wherever recordings run ({@link RecorderNode}: this host, or a fleet's node); a start waits in this
 * host's queue up to {@code capstan.node.queue-timeout} (a fleet refuses at once), 503 when nothing took it, and a
 * start repeated with the same {@code Idempotency-Key} starts nothing new. Stream addresses are only ever shown and
 * logged masked.
 *
 * <p>The catalog side of {@code /api/v1/recordings} (search, read, media, delete) is {@link RecordingsController}.
 */
@RestController
@RequestMapping(RecordingsController.PATH)
@Tag(name = "control", description = "start, follow and stop recordings and live streams")
class RecordingControlController {

    static final String ORIGIN = "rest";
    /** Set on the answer to a start repeated with an Idempotency-Key: nothing new was started. */
    static final String REPLAYED = "Idempotent-Replayed";
    private static final Logger log = LoggerFactory.getLogger(RecordingControlController.class);

    private final RecorderNode node;
    private final Sessions sessions;
    private final StreamPolicy policy;
    private final IdempotencyKeys keys;
    private final RecordingProgress progress;
    private final RecordingEvents events;
    private final StartRecordingRequest.Checks checks;

    RecordingControlController(RecorderNode node, Sessions sessions, StreamPolicy policy, LiveSettings live,
            MeetingRooms rooms, IdempotencyKeys keys, List<RecordingProgress> progress, RecordingEvents events,
            RecorderProperties recorder) {
        this.node = node;
        this.sessions = sessions;
        this.policy = policy;
        this.keys = keys;
        this.progress = RecordingProgress.firstOf(progress);
        this.events = events;
        this.checks = new StartRecordingRequest.Checks(policy, live.maxDestinations(),
                VideoProfile.named(recorder.profile()), rooms);
    }

    /**
     * 201 with the new recording; 200 with the same one for a start repeated with its Idempotency-Key; 400 for bad
     * input, 413 for a huge body, 422 for a key used with another body, 409 while the key's first start is still
     * starting, 503 when it cannot start now.
     */
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "start a recording or live stream",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                    content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE,
                            schema = @Schema(implementation = StartRecordingBody.class))),
            parameters = @Parameter(in = ParameterIn.HEADER, name = IdempotencyKeys.HEADER, required = false,
                    description = "1-255 printable ASCII characters; a start repeated with the same key (and "
                            + "body) within 24 h answers 200 with the same recording and starts nothing",
                    schema = @Schema(type = "string", maxLength = 255)),
            responses = {
                    @ApiResponse(responseCode = "201", description = "started; Location names it",
                            content = @Content(schema = @Schema(implementation = RunningRecordingView.class))),
                    @ApiResponse(responseCode = "200", description = "repeated with the same Idempotency-Key: "
                            + "the recording the first start made (header Idempotent-Replayed: true)",
                            content = @Content(schema = @Schema(implementation = RunningRecordingView.class))),
                    @ApiResponse(responseCode = "400", description = "errors: [{field, message}] for every bad "
                            + "field (and the Idempotency-Key header)"),
                    @ApiResponse(responseCode = "401", description = "no valid API key"),
                    @ApiResponse(responseCode = "409", description = "the key's first start is still starting"),
                    @ApiResponse(responseCode = "413", description = "body over 64 KiB"),
                    @ApiResponse(responseCode = "415", description = "the body is not declared as JSON"),
                    @ApiResponse(responseCode = "422", description = "the Idempotency-Key was used with another "
                            + "body"),
                    @ApiResponse(responseCode = "503", description = "no slot free now (Retry-After, busyReason)")})
    ResponseEntity<RunningRecordingView> start(HttpServletRequest http) throws IOException, InterruptedException {
        ObjectNode body = JsonBody.object(http);
        List<InvalidRequestException.FieldError> headerErrors = new ArrayList<>();
        Optional<String> key = IdempotencyKeys.check(http.getHeader(IdempotencyKeys.HEADER), headerErrors);
        RecordingId id = RecordingId.generate();
        RecordingPlan plan = StartRecordingRequest.plan(body, checks, headerErrors, id);
        String principal = principal();
        if (key.isPresent()) {
            IdempotencyKeys.Claim claim = keys.claim(principal, key.get(), IdempotencyKeys.hash(body));
            if (claim instanceof IdempotencyKeys.Claim.Replay replay) {
                log.info("rest: start repeated with an idempotency key of {}: recording {}", principal, replay.id());
                return ResponseEntity.ok().location(location(replay.id())).header(REPLAYED, "true")
                        .body(view(replay.id()));
            }
            if (claim instanceof IdempotencyKeys.Claim.Mismatch) {
                throw new IdempotencyConflictException();
            }
            if (claim instanceof IdempotencyKeys.Claim.InProgress) {
                throw new ApiException(ApiProblem.START_IN_PROGRESS, "a start with this Idempotency-Key is still "
                        + "starting its recording; repeat the request in a few seconds");
            }
        }
        try {
            start(plan);
        } catch (StartRefusedException refused) {
            key.ifPresent(k -> keys.release(principal, k));
            log.info("rest: refusing {}: {}", plan, refused.getMessage());
            throw new CannotStartException(refused.getMessage() + "; try again later", refused.busyReason());
        } catch (RuntimeException e) {
            key.ifPresent(k -> keys.release(principal, k));
            throw e;
        }
        key.ifPresent(k -> keys.started(principal, k, id));
        return ResponseEntity.created(location(id)).body(view(id));
    }

    /** Starts it wherever recordings run (this host, or a node of the fleet), waiting in the queue if need be. */
    private void start(RecordingPlan plan) throws StartRefusedException {
        RunningSession running = node.start(plan, ORIGIN, RecorderNode.Wait.IN_QUEUE, SessionListener.NONE);
        Session session = running.session();
        log.info("rest: {} on {}{}{}", plan, session.node(), plan.size().map(size -> " at " + size).orElse(""),
                plan.streams().isEmpty() ? "" : ", streaming to " + plan.streams());
    }

    /** The recording as it runs (here or on a node), or as the catalog last saw it. */
    private RunningRecordingView view(RecordingId id) {
        return progress.of(id).map(RunningRecordingView::of)
                .orElseGet(() -> new RunningRecordingView(id.value(), null, null, "unknown", List.of(), null));
    }

    /** Who asks: the API key's name ({@code api-key-<n>}, never the key), or {@code anonymous} without keys. */
    private static String principal() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        return authentication == null || authentication instanceof AnonymousAuthenticationToken
                || !authentication.isAuthenticated() ? "anonymous" : authentication.getName();
    }

    private static URI location(RecordingId id) {
        return URI.create(RecordingsController.PATH + "/" + id.value());
    }

    /** The recording's status now: its state, the encoder's figures, its upload and destinations. */
    @GetMapping("/{id}/status")
    @Operation(summary = "a recording's live status", responses = {
            @ApiResponse(responseCode = "200", content = @Content(
                    schema = @Schema(implementation = RecordingProgress.Progress.class))),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "no such recording")})
    RecordingProgress.Progress status(@PathVariable String id) {
        RecordingId recordingId = RecordingIdParameter.parse(id);
        return progress.of(recordingId).orElseThrow(() -> RecordingNotFoundException.recording(recordingId));
    }

    /**
     * Server-sent events: {@code status} at once, at every state change and every second or so while it runs,
     * each with what {@link #status} answers; the stream ends after the final state.
     */
    @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Operation(summary = "a recording's status as server-sent events (event: status), until its final state",
            responses = {
                    @ApiResponse(responseCode = "200", content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE,
                            schema = @Schema(implementation = RecordingProgress.Progress.class))),
                    @ApiResponse(responseCode = "400", description = "malformed id"),
                    @ApiResponse(responseCode = "404", description = "no such recording"),
                    @ApiResponse(responseCode = "503", description = "too many event streams open")})
    SseEmitter events(@PathVariable String id) {
        RecordingId recordingId = RecordingIdParameter.parse(id);
        if (progress.of(recordingId).isEmpty()) {
            throw RecordingNotFoundException.recording(recordingId);
        }
        return events.watch(recordingId);
    }

    /** 202: the recording is asked to stop; it ends (and its file is finished) within seconds. */
    @PostMapping("/{id}/stop")
    @Operation(summary = "stop a running recording", responses = {
            @ApiResponse(responseCode = "202", content = @Content(
                    schema = @Schema(implementation = RunningRecordingView.class))),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "not running on this node")})
    ResponseEntity<RunningRecordingView> stop(@PathVariable String id) {
        RecordingId recordingId = RecordingIdParameter.parse(id);
        running(recordingId).stop();
        log.info("rest: recording {} asked to stop", recordingId);
        return ResponseEntity.accepted().body(view(recordingId));
    }

    /**
     * 200 with its status once the capture has stopped (about a second): nothing more is recorded until it is
     * resumed, its slot staying held; it ends if not resumed within {@code capstan.recording.max-pause}. 409 when it
     * is paused already, streams live, keeps no file or speaker tracks, or is not capturing.
     */
    @PostMapping("/{id}/pause")
    @Operation(summary = "pause a running recording: the file leaves the pause out", responses = {
            @ApiResponse(responseCode = "200", description = "paused", content = @Content(
                    schema = @Schema(implementation = RecordingProgress.Progress.class))),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "not running on this node"),
            @ApiResponse(responseCode = "409", description = "refused; reason: already-paused, streaming, no-file, "
                    + "speaker-tracks or not-capturing")})
    RecordingProgress.Progress pause(@PathVariable String id) {
        return pauseOrResume(id, (recording, now) -> "paused at "
                + Pausing.pause(recording, now).position().toMillis() / 1000.0 + " s of media");
    }

    /** 200 with its status once the capture is on again, continuing the same file; 409 when it is not paused. */
    @PostMapping("/{id}/resume")
    @Operation(summary = "resume a paused recording into the same file", responses = {
            @ApiResponse(responseCode = "200", description = "on again", content = @Content(
                    schema = @Schema(implementation = RecordingProgress.Progress.class))),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "not running on this node"),
            @ApiResponse(responseCode = "409", description = "refused; reason: not-paused or not-capturing")})
    RecordingProgress.Progress resume(@PathVariable String id) {
        return pauseOrResume(id, (recording, now) -> "resumed after "
                + Pausing.resume(recording, now).pausedFor().toMillis() + " ms");
    }

    /** A pause or resume, saying what it did for the log. */
    @FunctionalInterface
    private interface PauseControl {
        String apply(RunningSession recording, Session now) throws PauseRefusedException;
    }

    /**
     * Pauses or resumes it, judged by its row as it is now (another scheduler may have paused or resumed it); a
     * refusal is a 409 with its reason.
     */
    private RecordingProgress.Progress pauseOrResume(String id, PauseControl control) {
        RecordingId recordingId = RecordingIdParameter.parse(id);
        RunningSession recording = running(recordingId);
        try {
            log.info("rest: recording {} {}", recordingId, control.apply(recording,
                    sessions.stored(recordingId).orElseGet(recording::session)));
        } catch (PauseRefusedException refused) {
            throw new PauseRefusedProblem(recordingId, refused);
        }
        return status(id);
    }

    @GetMapping("/{id}/streams")
    @Operation(summary = "a running recording's live destinations (addresses masked)", responses = {
            @ApiResponse(responseCode = "200", content = @Content(
                    array = @ArraySchema(schema = @Schema(implementation = StreamStats.class)))),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "not running on this node")})
    List<StreamStats> streams(@PathVariable String id) {
        RecordingId recordingId = RecordingIdParameter.parse(id);
        return streamsOf(recordingId, running(recordingId));
    }

    @GetMapping("/{id}/streams/{streamId}")
    @Operation(summary = "one live destination of a running recording", responses = {
            @ApiResponse(responseCode = "200", content = @Content(
                    schema = @Schema(implementation = StreamStats.class))),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "not running on this node, or no such destination")})
    StreamStats stream(@PathVariable String id, @PathVariable String streamId) {
        RecordingId recordingId = RecordingIdParameter.parse(id);
        return streamsOf(recordingId, running(recordingId)).stream().filter(stream -> stream.id().equals(streamId))
                .findFirst().orElseThrow(() -> noSuchStream(recordingId, streamId));
    }

    /**
     * 201 with the new destination; 400 for a refused address, 409 when the recording has no live output, is not
     * capturing (yet, or any more), already streams there or feeds as many destinations as allowed.
     */
    @PostMapping(path = "/{id}/streams", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "add a live destination to a running recording",
            requestBody = @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                    mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = NewStream.class))),
            responses = {
                    @ApiResponse(responseCode = "201", description = "added; Location names it", content = @Content(
                            schema = @Schema(implementation = StreamStats.class))),
                    @ApiResponse(responseCode = "400", description = "malformed id, or an address that is refused"),
                    @ApiResponse(responseCode = "404", description = "not running on this node"),
                    @ApiResponse(responseCode = "409", description = "no live output, not capturing, already a "
                            + "destination, or as many destinations as allowed"),
                    @ApiResponse(responseCode = "413", description = "body over 64 KiB"),
                    @ApiResponse(responseCode = "415", description = "the body is not declared as JSON")})
    ResponseEntity<StreamStats> addStream(@PathVariable String id, HttpServletRequest http) throws IOException {
        RecordingId recordingId = RecordingIdParameter.parse(id);
        RunningSession recording = running(recordingId);
        StreamUrl url = StartRecordingRequest.stream(JsonBody.object(http), policy);
        StreamStats added;
        try {
            added = recording.addStream(url);
        } catch (StreamChangeRefusedException refused) {
            // The refusals are written for the caller: no live output, not capturing, already there, full.
            throw new ApiException(ApiProblem.STREAM_CONFLICT, "recording " + recordingId + ": "
                    + refused.getMessage());
        }
        log.info("rest: recording {} also streams to {} as {}", recordingId, url, added.id());
        return ResponseEntity.created(URI.create(RecordingsController.PATH + "/" + recordingId + "/streams/"
                + added.id())).body(added);
    }

    /** 204; the destination's stream is closed and it leaves the list. */
    @DeleteMapping("/{id}/streams/{streamId}")
    @Operation(summary = "stop streaming to a destination", responses = {
            @ApiResponse(responseCode = "204", description = "its stream is closed and it leaves the list"),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "not running on this node, or no such destination")})
    ResponseEntity<Void> removeStream(@PathVariable String id, @PathVariable String streamId) {
        RecordingId recordingId = RecordingIdParameter.parse(id);
        boolean removed;
        try {
            removed = running(recordingId).removeStream(streamId);
        } catch (StreamChangeRefusedException refused) {
            throw new ApiException(ApiProblem.STREAM_CONFLICT, "recording " + recordingId + ": "
                    + refused.getMessage());
        }
        if (!removed) {
            throw noSuchStream(recordingId, streamId);
        }
        log.info("rest: recording {} no longer streams to {}", recordingId, streamId);
        return ResponseEntity.noContent().build();
    }

    /** The body of {@code POST …/streams}, for the OpenAPI description ({@link StartRecordingRequest} reads it). */
    @Schema(name = "NewStream")
    record NewStream(@Schema(description = "rtmp:// or rtmps:// address allowed by capstan.streaming.allow-list",
            requiredMode = Schema.RequiredMode.REQUIRED) String url) {
    }

    private static List<StreamStats> streamsOf(RecordingId id, RunningSession recording) {
        try {
            return recording.streams();
        } catch (StreamChangeRefusedException refused) {
            throw new ApiException(ApiProblem.STREAM_CONFLICT, "recording " + id + ": " + refused.getMessage());
        }
    }

    private RunningSession running(RecordingId id) {
        return node.running(id).orElseThrow(() -> new RecordingNotRunningException(sessions.find(id)
                .map(session -> "recording " + id + " is not running any more (it is " + session.state().name() + ")")
                .orElse("no recording " + id + " is running on this node")));
    }

    private static ApiException noSuchStream(RecordingId id, String streamId) {
        return new ApiException(ApiProblem.STREAM_NOT_FOUND, "recording " + id + " has no stream "
                + ApiErrors.quote(streamId));
    }
}
