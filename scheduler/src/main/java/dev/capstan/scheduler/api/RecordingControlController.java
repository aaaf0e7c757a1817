package dev.capstan.scheduler.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.live.LiveOutput;
import dev.capstan.recorder.live.LiveSettings;
import dev.capstan.recorder.live.StreamPolicy;
import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.node.NodeBusyException;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.scheduler.archive.RecordingOrder;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionFollower;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.storage.archive.RecordingId;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Recordings and live streams started, watched and stopped over REST: start one from a page address with live
 * destinations (or none), add and remove destinations while it runs, see each destination's figures, stop it.
 * Everything is checked before anything starts; a start is never queued (503 when no slot is free now). Stream
 * addresses are only ever shown and logged masked.
 *
 * <p>The catalog side of {@code /api/v1/recordings} (search, read, media, delete) is {@link RecordingsController}.
 */
@RestController
@RequestMapping(RecordingsController.PATH)
class RecordingControlController {

    static final String ORIGIN = "rest";
    private static final Logger log = LoggerFactory.getLogger(RecordingControlController.class);

    private final Recordings recordings;
    private final Sessions sessions;
    private final SessionFollower follower;
    private final StreamPolicy policy;
    private final LiveSettings live;

    RecordingControlController(Recordings recordings, Sessions sessions, SessionFollower follower, StreamPolicy policy,
            LiveSettings live) {
        this.recordings = recordings;
        this.sessions = sessions;
        this.follower = follower;
        this.policy = policy;
        this.live = live;
    }

    /** 201 with the new recording; 400 for bad input, 413 for a huge body, 503 when it cannot start now. */
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<RunningRecordingView> start(HttpServletRequest http) throws IOException {
        ObjectNode body = JsonBody.object(http);
        StartRecordingRequest request = StartRecordingRequest.of(body, policy, live.maxDestinations());
        RecordingOrder order = RecordingOrder.of(RecordingId.generate(), request.room(), request.page());
        Optional<LiveOutput> output = request.streams().isEmpty() ? Optional.empty()
                : Optional.of(new LiveOutput(request.streams(), live, request.mode().recordsFile()));
        Recordings.Plan plan = new Recordings.Plan(request.maxDuration(), Optional.empty(), output);
        SessionFollower.Started started;
        try {
            started = follower.start(order, ORIGIN, request.mode().wire(), new WebPage(request.page()), plan, () -> { },
                    outcome -> { });
        } catch (IOException e) {
            log.error("rest: recording {} of {} could not be filed: {}", order.id(), request.page(), e.getMessage());
            throw new CannotStartException("the archive cannot file a new recording right now; try again later",
                    Optional.empty());
        } catch (NodeBusyException busy) {
            log.info("rest: refusing recording of {}: {}", request.page(), busy.getMessage());
            throw new CannotStartException("no recording slot is free on this node right now (" + busy.getMessage()
                    + "); try again later", Optional.of(busy.reason()));
        }
        log.info("rest: recording {} of {} as {} ({}){}", order.id(), request.page(), request.mode().wire(),
                order.room(), request.streams().isEmpty() ? "" : ", streaming to " + request.streams());
        return ResponseEntity.created(URI.create(RecordingsController.PATH + "/" + order.id().value()))
                .body(RunningRecordingView.of(started.recording(), Optional.of(started.session())));
    }

    /** 202: the recording is asked to stop; it ends (and its file is finished) within seconds. */
    @PostMapping("/{id}/stop")
    ResponseEntity<RunningRecordingView> stop(@PathVariable String id) {
        RecordingId recordingId = RecordingId.of(id);
        Recording recording = running(recordingId);
        Optional<Session> session = sessions.find(recordingId);
        session.ifPresent(s -> sessions.moveTo(s, new SessionState.Stopping(Instant.now())));
        recording.stop();
        log.info("rest: recording {} asked to stop", recordingId);
        return ResponseEntity.accepted().body(RunningRecordingView.of(recording, session));
    }

    @GetMapping("/{id}/streams")
    List<StreamStats> streams(@PathVariable String id) {
        return running(RecordingId.of(id)).streams();
    }

    @GetMapping("/{id}/streams/{streamId}")
    StreamStats stream(@PathVariable String id, @PathVariable String streamId) {
        RecordingId recordingId = RecordingId.of(id);
        return running(recordingId).streams().stream().filter(stream -> stream.id().equals(streamId)).findFirst()
                .orElseThrow(() -> noSuchStream(recordingId, streamId));
    }

    /**
     * 201 with the new destination; 400 for a refused address, 409 when the recording has no live output, is not
     * capturing (yet, or any more), already streams there or feeds as many destinations as allowed.
     */
    @PostMapping(path = "/{id}/streams", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<StreamStats> addStream(@PathVariable String id, HttpServletRequest http) throws IOException {
        RecordingId recordingId = RecordingId.of(id);
        Recording recording = running(recordingId);
        StreamUrl url = StartRecordingRequest.stream(JsonBody.object(http), policy);
        StreamStats added;
        try {
            added = recording.addStream(url);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("recording " + recordingId + ": " + e.getMessage());
        }
        log.info("rest: recording {} also streams to {} as {}", recordingId, url, added.id());
        return ResponseEntity.created(URI.create(RecordingsController.PATH + "/" + recordingId + "/streams/"
                + added.id())).body(added);
    }

    /** 204; the destination's stream is closed and it leaves the list. */
    @DeleteMapping("/{id}/streams/{streamId}")
    ResponseEntity<Void> removeStream(@PathVariable String id, @PathVariable String streamId) {
        RecordingId recordingId = RecordingId.of(id);
        if (!running(recordingId).removeStream(streamId)) {
            throw noSuchStream(recordingId, streamId);
        }
        log.info("rest: recording {} no longer streams to {}", recordingId, streamId);
        return ResponseEntity.noContent().build();
    }

    private Recording running(RecordingId id) {
        return recordings.running(id).orElseThrow(() -> new RecordingNotRunningException(sessions.find(id)
                .map(session -> "recording " + id + " is not running any more (it is " + session.state().name() + ")")
                .orElse("no recording " + id + " is running on this node")));
    }

    private static RecordingNotRunningException noSuchStream(RecordingId id, String streamId) {
        return new RecordingNotRunningException("recording " + id + " has no stream " + ApiErrors.quote(streamId));
    }
}
