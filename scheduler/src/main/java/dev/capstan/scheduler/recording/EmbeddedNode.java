package dev.capstan.scheduler.recording;

import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeBusyException;
import dev.capstan.recorder.slot.PauseRefusedException;
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
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's own node as a {@link RecorderNode}: it files each recording's session and drives it on the
 * recording's events: {@code pending → on} when it is really on the air, {@code paused} and {@code on} again as it
 * pauses and resumes, {@code finalizing} (or {@code failed}) at the recorder's outcome, and {@code done} once the
 * recording has settled in the archive.
 */
public class EmbeddedNode implements RecorderNode {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedNode.class);

    private final SessionDriver driver;
    private final Recordings recordings;
    private final Duration queueTimeout;
    private final Map<RecordingId, Local> running = new ConcurrentHashMap<>();

    private final Duration maxPause;

    /** @param maxPause how long a pause may last before the recording ends */
    public EmbeddedNode(SessionDriver driver, Recordings recordings, Node node, Duration maxPause) {
        this.driver = driver;
        this.recordings = recordings;
        this.queueTimeout = node.queueTimeout();
        this.maxPause = maxPause;
    }

    @Override
    public Local start(RecordingPlan plan, String origin, Wait wait, SessionListener listener)
            throws StartRefusedException {
        return start(plan, origin, wait == Wait.IN_QUEUE ? queueTimeout : Duration.ZERO, Duration.ZERO, listener);
    }

    /**
     * Now or never, for a requester that retries a failed session elsewhere (Jicofo).
     *
     * @param retryWindow how long a session whose part failed after it was on, for a reason another slot might not
     *                    have, stays {@code finalizing} once the part has settled, so that its requester can continue
     *                    it ({@link #continueNow}) before it is done: Jicofo retries at once
     */
    public Local startNow(RecordingPlan plan, String origin, Duration retryWindow, SessionListener listener)
            throws StartRefusedException {
        return start(plan, origin, Duration.ZERO, retryWindow, listener);
    }

    private Local start(RecordingPlan plan, String origin, Duration maxWait, Duration retryWindow,
            SessionListener listener) throws StartRefusedException {
        Session session = new Session(plan.id(), origin, plan.sessionId(), plan.mode(),
                plan.meeting().address().toString(), plan.metadata(), plan.requestedAt());
        Part part = Part.first(plan);
        Recording recording = record(plan, part, maxWait, session, listener);
        try {
            driver.file(session);
        } catch (RuntimeException e) {
            // Unfiled, nobody would follow or stop it: it ends now, and its caller hears why.
            recording.stop();
            log.error("{}: its session could not be filed: {}", plan, e.getMessage());
            throw new StartRefusedException(StartRefusedException.Cause.NOT_FILED,
                    "the session table cannot file a new recording right now", Optional.empty());
        }
        return follow(session, part, recording, plan.recordsFile(), retryWindow, listener);
    }

    /**
     * Continues an unfinished session that another process or slot was recording (its requester retried it here)
     * as its next part, now or not at all: the part is filed below the session's recording, and the session is taken
     * over once a slot has taken the part. From then on it is followed as any session; the earlier part's ending is
     * no longer the session's.
     *
     * @throws StartRefusedException when no slot can take it now (the session is left as it was), or the part cannot
     *                               be filed, or another process took the session over first (the part is stopped)
     */
    public Local continueNow(Session earlier, Part part, RecordingPlan plan, Duration retryWindow,
            SessionListener listener) throws StartRefusedException {
        Recording recording = record(plan, part, Duration.ZERO, earlier, listener);
        boolean taken;
        try {
            taken = driver.takeOver(earlier, Session.LOCAL, part);
        } catch (RuntimeException e) {
            recording.stop();
            throw new StartRefusedException(StartRefusedException.Cause.NOT_FILED,
                    "the session table cannot take the session over right now", Optional.empty());
        }
        if (!taken) {
            recording.stop();
            throw new StartRefusedException(StartRefusedException.Cause.NOT_FILED, earlier + " could not be taken over"
                    + " as part " + part.number() + ": it is " + earlier.state().name() + " as part "
                    + earlier.part() + " of " + earlier.owner(), Optional.empty());
        }
        return follow(earlier, part, recording, plan.recordsFile(), retryWindow, listener);
    }

    /** Has a slot take the part (within the wait), with the listener that puts {@code session} on. */
    private Recording record(RecordingPlan plan, Part part, Duration maxWait, Session session,
            SessionListener listener) throws StartRefusedException {
        try {
            // The node completes it within the wait: a slot has taken it, or the node has refused it.
            return recordings.start(plan, part, maxWait, onAir(session, part, plan.recordsFile(), listener)).join();
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
    }

    @Override
    public Optional<RunningSession> running(RecordingId id) {
        return Optional.ofNullable(running.get(id));
    }

    /** The recorder's own handle on a session it runs, for what only this host can show (its request, slot). */
    public Optional<Recording> recording(RecordingId id) {
        return Optional.ofNullable(running.get(id)).map(Local::recording);
    }

    /**
     * The listener that puts the session {@code on}, {@code paused} and {@code on} again. A continued part is taken
     * over within milliseconds of the slot taking it, long before its first frame: it is {@code pending} by then.
     * Heard on the recording's thread before a pause or resume returns, so the session has moved by then.
     */
    private Consumer<SlotEvent> onAir(Session session, Part part, boolean recordsFile, SessionListener listener) {
        return event -> {
            if (!isCurrent(session, part)) {
                return;
            }
            boolean on = recordsFile ? event instanceof SlotEvent.FirstFrameWritten
                    : event instanceof SlotEvent.StreamChanged changed && changed.stream().connected();
            if (on) {
                driver.onAir(session, listener);
            } else if (event instanceof SlotEvent.Paused paused) {
                driver.paused(session, paused.at(), paused.position());
            } else if (event instanceof SlotEvent.Resumed resumed) {
                driver.resumed(session, resumed.at());
            }
        };
    }

    /** Whether {@code part} is still the session's current part: once it moved on, this part's events are not its. */
    private static boolean isCurrent(Session session, Part part) {
        return session.partId().equals(part.id());
    }

    /**
     * Follows a part to its end: the session finalizes, the listener hears it, and the session is done once the
     * archive has the part, ready or partial (failed if the archive kept nothing or could not settle it). A part that
     * failed after it was on keeps what it recorded, as a partial recording: its session finalizes like a stopped
     * one, with the failure as its ending, so that it is announced with its lost seconds once the archive has
     * measured them. One that failed before (or a live stream without a file) fails at once. A part whose session
     * moved on (continued elsewhere) settles on its own; the session goes on.
     */
    private Local follow(Session session, Part part, Recording recording, boolean recordsFile, Duration retryWindow,
            SessionListener listener) {
        Local local = new Local(session, recording);
        running.put(session.recordingId(), local);
        // Followed once the session is filed, so that even an outcome that came before is reported.
        recording.outcome().thenAccept(outcome -> {
            running.remove(session.recordingId(), local);
            Optional<SessionFailure> failure = outcome instanceof SlotEvent.Failed failed
                    ? Optional.of(SessionFailure.of(failed.failure())) : Optional.empty();
            if (!isCurrent(session, part)) {
                listener.ended(failure);
                return;
            }
            if (outcome instanceof SlotEvent.Failed failed && !(recordsFile && failed.span().isPresent())) {
                driver.failed(session, failure.get(), listener);
                return;
            }
            String ending = outcome instanceof SlotEvent.Failed failed ? failed.failure().toString()
                    : ((SlotEvent.Stopped) outcome).cause().toString();
            driver.ended(session, ending, failure, listener);
            boolean retryable = failure.map(SessionFailure::retryable).orElse(false);
            Executor afterWindow = retryable && !retryWindow.isZero() && !retryWindow.isNegative()
                    ? CompletableFuture.delayedExecutor(retryWindow.toMillis(), TimeUnit.MILLISECONDS)
                    : Runnable::run;
            recordings.settled(part.id()).whenCompleteAsync((entry, error) -> {
                if (isCurrent(session, part)) {
                    driver.settled(session, entry, error);
                }
            }, afterWindow);
        });
        return local;
    }

    /** A session and the recording that runs it on this host. */
    public final class Local implements RunningSession {

        private final Session session;
        private final Recording recording;

        Local(Session session, Recording recording) {
            this.session = session;
            this.recording = recording;
        }

        /** The recorder's own handle on the part it runs. */
        public Recording recording() {
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
        public SlotEvent.Paused pause() throws PauseRefusedException {
            return recording.pause(maxPause);
        }

        @Override
        public SlotEvent.Resumed resume() throws PauseRefusedException {
            return recording.resume();
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
