package dev.capstan.scheduler.session;

import dev.capstan.recorder.browser.MeetingPage;
import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeBusyException;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.archive.RecordingOrder;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.storage.archive.PartOf;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;

/**
 * Starts a recording for whoever asks (Jicofo, Jibri's HTTP API, REST), files its session and moves the session
 * through its life on the recording's events: {@code pending → on} when it is really on the air, {@code
 * finalizing} (or {@code failed}) at the recorder's outcome, and {@code done} once the recording has settled in the
 * archive.
 *
 * <p>A caller that can wait (REST, Jibri's HTTP API) waits in the node's queue for up to {@code
 * capstan.node.queue-timeout}, its request blocked meanwhile; Jicofo's start IQ must be answered at once, so it
 * never waits ({@link #startNow}).
 */
@Component
public class SessionFollower {

    private final Sessions sessions;
    private final Recordings recordings;
    private final Duration queueTimeout;

    public SessionFollower(Sessions sessions, Recordings recordings, Node node) {
        this.sessions = sessions;
        this.recordings = recordings;
        this.queueTimeout = node.queueTimeout();
    }

    /** A recording a slot has taken, and its session. */
    public record Started(Session session, Recording recording) {
    }

    /**
     * Starts a recording as soon as the node has room, waiting in its queue up to {@code capstan.node.queue-timeout};
     * files its session and follows it to its end. Blocks while it waits.
     *
     * @param origin who asks, e.g. {@code rest} or {@code xmpp:prod/127.0.0.1/node-1}
     * @param mode   the session's mode as its requester names it: {@code file}, {@code stream} or {@code both}
     * @param onAir  runs once the recording is really on, right after the session has moved to {@code on}: the
     *               first frame is written or, for a live stream that keeps no file, a destination first takes it
     * @param onEnd  hears the recorder's outcome, right after the session has moved to {@code finalizing} (or
     *               {@code failed}); on the recorder's thread, as soon as this has returned or even before
     * @throws NodeBusyException when no slot took it within the queue timeout; no session is filed
     * @throws IOException       when the archive cannot file it
     * @throws org.springframework.dao.DataAccessException when the session cannot be filed (the recording stops)
     */
    public Started start(RecordingOrder order, String origin, String mode, MeetingPage page, Recordings.Plan plan,
            Runnable onAir, Consumer<SlotEvent.Outcome> onEnd) throws IOException {
        return start(order, origin, mode, page, plan, queueTimeout, Duration.ZERO, onAir, onEnd);
    }

    /**
     * As {@link #start}, but now or not at all: a node without room refuses at once ({@link NodeBusyException}).
     *
     * @param retryWindow how long a session whose part failed (after it was on, for a reason another slot might
     *                    not have) stays {@code finalizing} once the part has settled, so that its requester can
     *                    continue it elsewhere ({@link #continueNow}) before it is done: Jicofo retries at once
     */
    public Started startNow(RecordingOrder order, String origin, String mode, MeetingPage page,
            Recordings.Plan plan, Duration retryWindow, Runnable onAir, Consumer<SlotEvent.Outcome> onEnd)
            throws IOException {
        return start(order, origin, mode, page, plan, Duration.ZERO, retryWindow, onAir, onEnd);
    }

    private Started start(RecordingOrder order, String origin, String mode, MeetingPage page, Recordings.Plan plan,
            Duration maxWait, Duration retryWindow, Runnable onAir, Consumer<SlotEvent.Outcome> onEnd)
            throws IOException {
        Session session = new Session(order.id(), origin, order.sessionId(), mode, order.meetingUrl().toString(),
                order.appData(), order.requestedAt());
        Recording recording = record(order, page, plan, maxWait, session, onAir);
        try {
            sessions.add(session);
        } catch (RuntimeException e) {
            // Unfiled, nobody would follow or stop it: it ends now, and its caller hears why.
            recording.stop();
            throw e;
        }
        // Followed once the session is filed, so that even an outcome that came before is reported.
        follow(session, order.id(), recording, plan.recordsFile(), retryWindow, onEnd);
        return new Started(session, recording);
    }

    /**
     * Continues an unfinished session that another process or slot was recording (Jicofo retried it here) as its
     * next part, now or not at all: the part is filed in the archive below the session's recording, and the session
     * is taken over ({@link Sessions#takeOver}) once a slot has taken the part. From then on it is followed as any
     * session; the ending of the earlier part is no longer the session's.
     *
     * @param part  the number of the new part: after every part the archive has of the session
     * @param order the meeting to record, filed under its own id as part {@code part}
     * @param retryWindow as for {@link #startNow}
     * @throws NodeBusyException when no slot can take it now; the session is left as it was
     * @throws SessionTakenException when another process took the session over first; the part is stopped
     */
    public Started continueNow(Session earlier, int part, RecordingOrder order, MeetingPage page,
            Recordings.Plan plan, Duration retryWindow, Runnable onAir, Consumer<SlotEvent.Outcome> onEnd)
            throws IOException {
        RecordingOrder next = order.withPart(new PartOf(earlier.recordingId(), part));
        Recording recording = record(next, page, plan, Duration.ZERO, earlier, onAir);
        boolean taken;
        try {
            taken = sessions.takeOver(earlier, Session.LOCAL, part, next.id());
        } catch (RuntimeException e) {
            recording.stop();
            throw e;
        }
        if (!taken) {
            recording.stop();
            throw new SessionTakenException(earlier + " could not be taken over as part " + part + ": it is "
                    + earlier.state().name() + " as part " + earlier.part() + " of " + earlier.owner());
        }
        follow(earlier, next.id(), recording, plan.recordsFile(), retryWindow, onEnd);
        return new Started(earlier, recording);
    }

    /** Another process took the session over first: this one must not record it. */
    public static final class SessionTakenException extends IllegalStateException {
        SessionTakenException(String message) {
            super(message);
        }
    }

    /** Has a slot take the recording (within the wait), with the listener that puts {@code session} on. */
    private Recording record(RecordingOrder order, MeetingPage page, Recordings.Plan plan, Duration maxWait,
            Session session, Runnable onAir) throws IOException {
        CompletableFuture<Recording> started = recordings.start(order, page, plan, maxWait,
                onAir(session, order.id(), plan.recordsFile(), onAir));
        try {
            // The node completes it within the wait: a slot has taken it, or the node has refused it.
            return started.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException refusal ? refusal : e;
        }
    }

    /**
     * The listener that puts the session {@code on} (see {@link #start}'s {@code onAir}). A continued part is taken
     * over within milliseconds of the slot taking it, long before its first frame: it is {@code pending} by then.
     */
    private Consumer<SlotEvent> onAir(Session session, RecordingId partId, boolean recordsFile, Runnable onAir) {
        return event -> {
            boolean on = recordsFile ? event instanceof SlotEvent.FirstFrameWritten
                    : event instanceof SlotEvent.StreamChanged changed && changed.stream().connected();
            if (on && isCurrent(session, partId) && sessions.moveTo(session, new SessionState.On(Instant.now()))) {
                onAir.run();
            }
        };
    }

    /** Whether {@code partId} is still the session's current part: once it moved on, this part's events are not its. */
    private static boolean isCurrent(Session session, RecordingId partId) {
        return session.partId().equals(partId);
    }

    /**
     * Follows a recording to its end: the session finalizes, {@code onEnd} hears the outcome, and the session is
     * done once the archive has the recording, ready or partial (failed if the archive kept nothing or could not
     * settle it). A recording that failed after it was on keeps what it recorded, as a partial recording: its
     * session finalizes like a stopped one, with the failure as its ending, so that it is announced with its lost
     * seconds once the archive has measured them. One that failed before (or a live stream without a file) fails
     * at once.
     */
    private void follow(Session session, RecordingId partId, Recording recording, boolean recordsFile,
            Duration retryWindow, Consumer<SlotEvent.Outcome> onEnd) {
        recording.outcome().thenAccept(outcome -> {
            if (!isCurrent(session, partId)) {
                // Continued elsewhere (Jicofo retried it): the part settles on its own, the session goes on.
                onEnd.accept(outcome);
                return;
            }
            if (outcome instanceof SlotEvent.Failed failed && !(recordsFile && failed.span().isPresent())) {
                sessions.moveTo(session, new SessionState.Failed(Instant.now(),
                        SessionFailure.of(failed.failure())));
                onEnd.accept(outcome);
                return;
            }
            String ending = outcome instanceof SlotEvent.Failed failed ? failed.failure().toString()
                    : ((SlotEvent.Stopped) outcome).cause().toString();
            sessions.moveTo(session, new SessionState.Finalizing(Instant.now(), ending));
            onEnd.accept(outcome);
            boolean retryable = outcome instanceof SlotEvent.Failed failed
                    && !failed.failure().reason().isCallersFault();
            Executor afterWindow = retryable && !retryWindow.isZero() && !retryWindow.isNegative()
                    ? CompletableFuture.delayedExecutor(retryWindow.toMillis(), TimeUnit.MILLISECONDS)
                    : Runnable::run;
            recordings.settled(partId).whenCompleteAsync((entry, error) -> {
                if (isCurrent(session, partId)) {
                    sessions.moveTo(session, settled(entry, error));
                }
            }, afterWindow);
        });
    }

    /** Done once the archive kept something of it (or, for a live stream without a file, once it ended). */
    private static SessionState settled(Optional<RecordingEntry> entry, Throwable error) {
        Instant now = Instant.now();
        if (error != null) {
            return new SessionState.Failed(now, SessionFailure.archive(error.getMessage()));
        }
        if (entry.isPresent() && entry.get().status() == RecordingStatus.FAILED) {
            return new SessionState.Failed(now,
                    SessionFailure.archive(entry.get().statusDetail().orElse("nothing was kept")));
        }
        return new SessionState.Done(now);
    }
}
