package dev.capstan.scheduler.recording;

import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeBusyException;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.plan.Part;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.scheduler.session.RecorderNode;
import dev.capstan.scheduler.session.RunningSession;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionDriver;
import dev.capstan.scheduler.session.SessionFailure;
import dev.capstan.scheduler.session.SessionListener;
import dev.capstan.scheduler.session.StartRefusedException;
import dev.capstan.scheduler.session.StreamChangeRefusedException;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's own node as a {@link RecorderNode}: it files each recording's session and drives it on the
 * recording's events: {@code pending → on} when it is really on the air, {@code finalizing} (or {@code failed}) at
 * the recorder's outcome, and {@code done} once the recording has settled in the archive.
 */
public class EmbeddedNode implements RecorderNode {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedNode.class);

    private final SessionDriver driver;
    private final Recordings recordings;
    private final Duration queueTimeout;
    private final Map<RecordingId, Local> running = new ConcurrentHashMap<>();

    public EmbeddedNode(SessionDriver driver, Recordings recordings, Node node) {
        this.driver = driver;
        this.recordings = recordings;
        this.queueTimeout = node.queueTimeout();
    }

    @Override
    public RunningSession start(RecordingPlan plan, String origin, Wait wait, SessionListener listener)
            throws StartRefusedException {
        Session session = new Session(plan.id(), origin, plan.sessionId(), plan.mode(),
                plan.meeting().address().toString(), plan.metadata(), plan.requestedAt());
        Recording recording;
        try {
            // The node completes it within the wait: a slot has taken it, or the node has refused it.
            Duration maxWait = wait == Wait.IN_QUEUE ? queueTimeout : Duration.ZERO;
            recording = recordings.start(plan, Part.first(plan), maxWait, onAir(session, plan.recordsFile(), listener))
                    .join();
        } catch (IOException e) {
            log.error("{} could not be filed: {}", plan, e.getMessage());
            throw new StartRefusedException(StartRefusedException.Cause.NOT_FILED,
                    "the archive cannot file a new recording right now", Optional.empty());
        } catch (CompletionException e) {
            if (e.getCause() instanceof NodeBusyException busy) {
                throw new StartRefusedException(StartRefusedException.Cause.NO_ROOM,
                        "no recording slot is free on this node right now (" + busy.getMessage() + ")",
                        Optional.of(busy.reason()));
            }
            throw e.getCause() instanceof RuntimeException failure ? failure : e;
        }
        try {
            driver.file(session);
        } catch (RuntimeException e) {
            // Unfiled, nobody would follow or stop it: it ends now, and its caller hears why.
            recording.stop();
            log.error("{}: its session could not be filed: {}", plan, e.getMessage());
            throw new StartRefusedException(StartRefusedException.Cause.NOT_FILED,
                    "the session table cannot file a new recording right now", Optional.empty());
        }
        Local local = new Local(session, recording);
        running.put(plan.id(), local);
        // Followed once the session is filed, so that even an outcome that came before is reported.
        follow(local, plan.recordsFile(), listener);
        return local;
    }

    @Override
    public Optional<RunningSession> running(RecordingId id) {
        return Optional.ofNullable(running.get(id));
    }

    /** The recorder's own handle on a session it runs, for what only this host can show (its request, slot). */
    public Optional<Recording> recording(RecordingId id) {
        return Optional.ofNullable(running.get(id)).map(Local::recording);
    }

    /** The listener that puts the session {@code on}. */
    private Consumer<SlotEvent> onAir(Session session, boolean recordsFile, SessionListener listener) {
        return event -> {
            boolean on = recordsFile ? event instanceof SlotEvent.FirstFrameWritten
                    : event instanceof SlotEvent.StreamChanged changed && changed.stream().connected();
            if (on) {
                driver.onAir(session, listener);
            }
        };
    }

    /**
     * Follows a recording to its end: the session finalizes, the listener hears it, and the session is done once the
     * archive has the recording, ready or partial (failed if the archive kept nothing or could not settle it). A
     * recording that failed after it was on keeps what it recorded, as a partial recording: its session finalizes
     * like a stopped one, with the failure as its ending, so that it is announced with its lost seconds once the
     * archive has measured them. One that failed before (or a live stream without a file) fails at once.
     */
    private void follow(Local local, boolean recordsFile, SessionListener listener) {
        Session session = local.session();
        local.recording().outcome().thenAccept(outcome -> {
            running.remove(session.recordingId(), local);
            if (outcome instanceof SlotEvent.Failed failed && !(recordsFile && failed.span().isPresent())) {
                driver.failed(session, SessionFailure.of(failed.failure()), listener);
                return;
            }
            String ending = outcome instanceof SlotEvent.Failed failed ? failed.failure().toString()
                    : ((SlotEvent.Stopped) outcome).cause().toString();
            driver.ended(session, ending, outcome instanceof SlotEvent.Failed failed
                    ? Optional.of(SessionFailure.of(failed.failure())) : Optional.empty(), listener);
            recordings.settled(session.recordingId()).whenComplete((entry, error) ->
                    driver.settled(session, entry, error));
        });
    }

    /** A session and the recording that runs it on this host. */
    private final class Local implements RunningSession {

        private final Session session;
        private final Recording recording;

        Local(Session session, Recording recording) {
            this.session = session;
            this.recording = recording;
        }

        Recording recording() {
            return recording;
        }

        @Override
        public Session session() {
            return session;
        }

        @Override
        public CompletableFuture<Void> stop() {
            driver.stopping(session);
            return recording.stop().handle((outcome, error) -> null);
        }

        @Override
        public List<StreamStats> streams() {
            return recording.streams();
        }

        @Override
        public StreamStats addStream(StreamUrl url) throws StreamChangeRefusedException {
            try {
                return recording.addStream(url);
            } catch (IllegalStateException refused) {
                // The recorder's refusals are written for the caller: no live output, not capturing, there, full.
                throw new StreamChangeRefusedException(refused.getMessage());
            }
        }

        @Override
        public boolean removeStream(String streamId) {
            return recording.removeStream(streamId);
        }
    }
}
