package dev.capstan.scheduler.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capstan.recorder.browser.MeetingPage;
import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.capture.VideoProfile;
import dev.capstan.recorder.live.LiveOutput;
import dev.capstan.recorder.live.LiveSettings;
import dev.capstan.recorder.live.StreamPolicy;
import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.node.NodeBusyException;
import dev.capstan.recorder.slot.AutoStop;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.scheduler.api.problem.ApiProblem;
import dev.capstan.scheduler.archive.RecordingOrder;
import dev.capstan.scheduler.fleet.RemoteOrder;
import dev.capstan.scheduler.fleet.placement.FleetSessions;
import dev.capstan.scheduler.fleet.placement.NoNodeException;
import dev.capstan.scheduler.recording.RecorderProperties;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionFollower;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.scheduler.session.Sessions;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
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
 * destinations while it runs, stop it. Everything is checked before anything starts; a start is never queued (503
 * when no slot is free now), and a start repeated with the same {@code Idempotency-Key} starts nothing new. Stream
 * addresses are only ever shown and logged masked.
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

    private final Recordings recordings;
    private final Sessions sessions;
    private final SessionFollower follower;
    private final StreamPolicy policy;
    private final LiveSettings live;
    private final MeetingRooms rooms;
    private final IdempotencyKeys keys;
    private final RecordingProgress progress;
    private final RecordingEvents events;
    private final StartRecordingRequest.Checks checks;
    /** Present on a fleet scheduler: recordings run on the pool's nodes, not here. */
    private final Optional<FleetSessions> fleet;
    private final ObjectMapper json;

    RecordingControlController(Recordings recordings, Sessions sessions, SessionFollower follower, StreamPolicy policy,
            LiveSettings live, MeetingRooms rooms, IdempotencyKeys keys, List<RecordingProgress> progress,
            RecordingEvents events, RecorderProperties recorder, ObjectProvider<FleetSessions> fleet, ObjectMapper json) {
        this.fleet = Optional.ofNullable(fleet.getIfAvailable());
        this.json = json;
        this.recordings = recordings;
        this.sessions = sessions;
        this.follower = follower;
        this.policy = policy;
        this.live = live;
        this.rooms = rooms;
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
        StartRecordingRequest request = StartRecordingRequest.of(body, checks, headerErrors);
        RecordingId id = RecordingId.generate();
        String principal = principal();
        if (key.isPresent()) {
            IdempotencyKeys.Claim claim = keys.claim(principal, key.get(), IdempotencyKeys.hash(body));
            if (claim instanceof IdempotencyKeys.Claim.Replay replay) {
                log.info("rest: start repeated with an idempotency key of {}: recording {}", principal, replay.id());
                return ResponseEntity.ok().location(location(replay.id())).header(REPLAYED, "true")
                        .body(replayed(replay.id()));
            }
            if (claim instanceof IdempotencyKeys.Claim.Mismatch) {
                throw new IdempotencyConflictException();
            }
            if (claim instanceof IdempotencyKeys.Claim.InProgress) {
                throw new ApiException(ApiProblem.START_IN_PROGRESS, "a start with this Idempotency-Key is still "
                        + "starting its recording; repeat the request in a few seconds");
            }
        }
        RunningRecordingView started;
        try {
            started = fleet.isPresent() ? startOnFleet(fleet.get(), request, id) : start(request, id);
        } catch (RuntimeException | IOException e) {
            key.ifPresent(k -> keys.release(principal, k));
            throw e;
        }
        key.ifPresent(k -> keys.started(principal, k, id));
        return ResponseEntity.created(location(id)).body(started);
    }

    /** Places the recording on a node of the pool; the session is this scheduler's to follow. */
    private RunningRecordingView startOnFleet(FleetSessions fleet, StartRecordingRequest request, RecordingId id)
            throws IOException {
        RemoteOrder order = new RemoteOrder(id.value(), request.page(), request.name(), request.mode().wire(),
                request.streams().stream().map(StreamUrl::reveal).toList(), request.maxDuration(), request.size(),
                json.writeValueAsString(request.metadata()), Instant.now());
        try {
            Session session = fleet.start(order, ORIGIN);
            log.info("rest: recording {} of {} as {} placed on {}", id, request.page(), request.mode().wire(),
                    fleet.placement(id).map(FleetSessions.Placed::node).orElse("?"));
            return new RunningRecordingView(id.value(), session.mode(), session.meeting(), session.state().name(),
                    List.of());
        } catch (NoNodeException e) {
            log.info("rest: refusing recording of {}: {}", request.page(), e.getMessage());
            throw new CannotStartException(e.getMessage() + "; try again later", Optional.empty());
        }
    }

    private RunningRecordingView start(StartRecordingRequest request, RecordingId id) throws IOException {
        RecordingOrder order = new RecordingOrder(id, request.name(), request.page(), Optional.empty(),
                request.metadata(), Instant.now());
        Optional<LiveOutput> output = request.streams().isEmpty() ? Optional.empty()
                : Optional.of(new LiveOutput(request.streams(), live, request.mode().recordsFile()));
        // A Jitsi room is joined as Jibri joins it and ends with its meeting; a page is just opened.
        MeetingPage page = request.jitsiRoom().map(room -> rooms.page(room, id, request.mode().recordsFile()))
                .orElseGet(() -> new WebPage(request.page()));
        Optional<AutoStop> autoStop = request.jitsiRoom().map(room -> rooms.autoStop());
        Recordings.Plan plan = new Recordings.Plan(request.maxDuration(), autoStop, output, request.size());
        SessionFollower.Started started;
        try {
            started = follower.start(order, ORIGIN, request.mode().wire(), page, plan, () -> { }, outcome -> { });
        } catch (IOException e) {
            log.error("rest: recording {} of {} could not be filed: {}", order.id(), request.page(), e.getMessage());
            throw new CannotStartException("the archive cannot file a new recording right now; try again later",
                    Optional.empty());
        } catch (NodeBusyException busy) {
            log.info("rest: refusing recording of {}: {}", request.page(), busy.getMessage());
            throw new CannotStartException("no recording slot is free on this node right now (" + busy.getMessage()
                    + "); try again later", Optional.of(busy.reason()));
        }
        log.info("rest: recording {} of {} as {} ({}){}{}", order.id(), request.page(), request.mode().wire(),
                order.room(), request.size().map(size -> " at " + size).orElse(""),
                request.streams().isEmpty() ? "" : ", streaming to " + request.streams());
        return RunningRecordingView.of(started.recording(), Optional.of(started.session()));
    }

    /** The recording an earlier start made: as it runs (here or on a node), or as the catalog last saw it. */
    private RunningRecordingView replayed(RecordingId id) {
        return progress.of(id).map(RunningRecordingView::of)
                .orElseGet(() -> new RunningRecordingView(id.value(), null, null, "unknown", List.of()));
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
        if (fleet.isPresent() && fleet.get().stop(recordingId)) {
            log.info("rest: recording {} asked to stop on its node", recordingId);
            return ResponseEntity.accepted().body(replayed(recordingId));
        }
        Recording recording = running(recordingId);
        Optional<Session> session = sessions.find(recordingId);
        session.ifPresent(s -> sessions.moveTo(s, new SessionState.Stopping(Instant.now())));
        recording.stop();
        log.info("rest: recording {} asked to stop", recordingId);
        return ResponseEntity.accepted().body(RunningRecordingView.of(recording, session));
    }

    @GetMapping("/{id}/streams")
    @Operation(summary = "a running recording's live destinations (addresses masked)", responses = {
            @ApiResponse(responseCode = "200", content = @Content(
                    array = @ArraySchema(schema = @Schema(implementation = StreamStats.class)))),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "not running on this node")})
    List<StreamStats> streams(@PathVariable String id) {
        return running(RecordingIdParameter.parse(id)).streams();
    }

    @GetMapping("/{id}/streams/{streamId}")
    @Operation(summary = "one live destination of a running recording", responses = {
            @ApiResponse(responseCode = "200", content = @Content(
                    schema = @Schema(implementation = StreamStats.class))),
            @ApiResponse(responseCode = "400", description = "malformed id"),
            @ApiResponse(responseCode = "404", description = "not running on this node, or no such destination")})
    StreamStats stream(@PathVariable String id, @PathVariable String streamId) {
        RecordingId recordingId = RecordingIdParameter.parse(id);
        return running(recordingId).streams().stream().filter(stream -> stream.id().equals(streamId)).findFirst()
                .orElseThrow(() -> noSuchStream(recordingId, streamId));
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
        Recording recording = running(recordingId);
        StreamUrl url = StartRecordingRequest.stream(JsonBody.object(http), policy);
        StreamStats added;
        try {
            added = recording.addStream(url);
        } catch (IllegalStateException refused) {
            // The recorder's refusals are written for the caller: no live output, not capturing, already there, full.
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
        if (!running(recordingId).removeStream(streamId)) {
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

    private Recording running(RecordingId id) {
        return recordings.running(id).orElseThrow(() -> new RecordingNotRunningException(sessions.find(id)
                .map(session -> "recording " + id + " is not running any more (it is " + session.state().name() + ")")
                .orElse("no recording " + id + " is running on this node")));
    }

    private static ApiException noSuchStream(RecordingId id, String streamId) {
        return new ApiException(ApiProblem.STREAM_NOT_FOUND, "recording " + id + " has no stream "
                + ApiErrors.quote(streamId));
    }
}
