package dev.capstan.scheduler.jibri;

import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.scheduler.plan.Part;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.scheduler.recording.EmbeddedNode;
import dev.capstan.scheduler.session.RunningSession;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionListener;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.scheduler.session.StartRefusedException;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;

/**
 * Jicofo's retry of a session, continued as the next part of the same recording. When the Jibri that records a
 * session leaves the brewery (its node died) or ends it with {@code should_retry='true'} (its slot failed),
 * Jicofo sends the same start, with the same {@code session_id}, to another idle Jibri and keeps showing the room
 * {@code on} (jibri.md §1.8, §11.8). A start whose {@code session_id} names an unfinished session in the shared
 * database is therefore recorded as that session's next part, filed in the catalog below its recording (one
 * recording with parts), and the session is taken over by this process: one session, not a second one.
 *
 * <p>The earlier part is left to whoever can finish it. If its slot ended it (the session was finalizing), its own
 * follower settles it. A recorder that still runs although Jicofo moved its session away (its brewery connection
 * dropped, and Capstan's occupant rejoined) notices within {@value #WATCH_SECONDS} s that the session's row names
 * another part, and stops, as Jibri would have; its part then settles as usual. If the earlier part is still
 * recording in the catalog {@value #SALVAGE_GRACE_SECONDS} s after the retry, its recorder vanished without a word
 * (its node died): what reached the store is salvaged, and the part becomes partial with the loss cause
 * {@code node-lost}. An already settled part is left as it is.
 */
@Component
public class JicofoRetry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JicofoRetry.class);
    static final long WATCH_SECONDS = 2;
    /** Long enough for a live recorder to notice, stop and have its part leave the recording status. */
    static final long SALVAGE_GRACE_SECONDS = 10;
    /**
     * How long a session whose part failed stays unfinished for Jicofo's retry: Jicofo sends the start to another
     * Jibri as soon as it hears {@code off} with {@code should_retry='true'}, in well under a second.
     */
    private static final Duration RETRY_WINDOW = Duration.ofSeconds(5);

    private final Sessions sessions;
    /** Absent on a fleet scheduler, which records nothing itself. */
    private final Optional<EmbeddedNode> node;
    private final RecordingArchive archive;
    /** The parts this process records for Jicofo, by part id: watched for Jicofo moving their session away. */
    private final Map<RecordingId, EmbeddedNode.Local> recording = new ConcurrentHashMap<>();
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "jicofo-retry");
        thread.setDaemon(true);
        return thread;
    });

    public JicofoRetry(Sessions sessions, ObjectProvider<EmbeddedNode> node, RecordingArchive archive) {
        this.sessions = sessions;
        this.node = Optional.ofNullable(node.getIfAvailable());
        this.archive = archive;
        watcher.scheduleWithFixedDelay(this::stopPartsMovedAway, WATCH_SECONDS, WATCH_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Starts a plan Jicofo asked for, now or never; a start that Jicofo retries (its {@code session_id} names an
     * unfinished session of the same meeting) continues that session as its next part.
     *
     * @throws StartRefusedException when no slot can take it now, the part cannot be filed, or another process took
     *                               the session over first (Jicofo hears off with should_retry='true')
     */
    public RunningSession startNow(RecordingPlan plan, String origin, SessionListener listener)
            throws StartRefusedException {
        EmbeddedNode here = node.orElseThrow(() -> new StartRefusedException(StartRefusedException.Cause.NO_ROOM,
                "this scheduler records nothing itself", Optional.empty()));
        Optional<Session> retried;
        try {
            retried = plan.sessionId().flatMap(sessions::unfinishedFromJicofo)
                    .filter(session -> session.meeting().equals(plan.meeting().address().toString()));
        } catch (DataAccessException e) {
            throw new StartRefusedException(StartRefusedException.Cause.NOT_FILED,
                    "the session table cannot be read right now", Optional.empty());
        }
        EmbeddedNode.Local started = retried.isEmpty() ? here.startNow(plan, origin, RETRY_WINDOW, listener)
                : continued(here, retried.get(), plan, listener);
        watch(started);
        return started;
    }

    private EmbeddedNode.Local continued(EmbeddedNode here, Session session, RecordingPlan plan,
            SessionListener listener) throws StartRefusedException {
        // What the session was before this process takes it over (the object then shows the new part).
        RecordingId earlierPart = session.partId();
        int earlierNumber = session.part();
        boolean earlierEnded = session.state() instanceof SessionState.Finalizing;
        String earlierOwner = session.owner();
        Part part = new Part(nextPart(session), RecordingId.generate());
        log.info("jicofo retried session {} [{}]: continuing it as part {} (part {} was {} with {})",
                session.recordingId(), session.sessionId().orElse(""), part.number(), earlierNumber,
                session.state().name(), earlierOwner);
        // The part belongs to the session's recording, whatever id this start had.
        RecordingPlan continuing = plan.continuing(session.recordingId(), session.requestedAt());
        EmbeddedNode.Local started = here.continueNow(session, part, continuing, RETRY_WINDOW, listener);
        if (!earlierEnded) {
            watcher.schedule(() -> salvageIfAbandoned(earlierPart, earlierNumber, earlierOwner, part.number()),
                    SALVAGE_GRACE_SECONDS, TimeUnit.SECONDS);
        }
        return started;
    }

    private void watch(EmbeddedNode.Local started) {
        RecordingId part = started.session().partId();
        recording.put(part, started);
        started.recording().outcome().whenComplete((outcome, error) -> recording.remove(part, started));
    }

    /** Stops the parts whose session another process or slot took over: Jicofo retried it elsewhere. */
    private void stopPartsMovedAway() {
        recording.forEach((part, started) -> {
            try {
                sessions.stored(started.session().recordingId())
                        .filter(row -> !row.partId().equals(part))
                        .ifPresent(row -> {
                            log.warn("{}: Jicofo moved it to part {} with {}; stopping part {} here, as Jibri would",
                                    started.session(), row.part(), row.owner(), part);
                            recording.remove(part, started);
                            started.recording().stop();
                        });
            } catch (RuntimeException e) {
                log.debug("could not check whether part {} moved on: {}", part, e.toString());
            }
        });
    }

    /** After every part the catalog has of the session, so that a part filed by an attempt that failed is skipped. */
    private int nextPart(Session session) {
        int last = archive.catalog().parts(session.recordingId()).stream().mapToInt(RecordingEntry::part).max()
                .orElse(session.part());
        return Math.max(last, session.part()) + 1;
    }

    /** Salvages the earlier part if its recorder vanished: still recording in the catalog, and not by this process. */
    private void salvageIfAbandoned(RecordingId earlierPart, int earlierNumber, String owner, int part) {
        Optional<RecordingEntry> entry;
        try {
            entry = archive.catalog().find(earlierPart);
        } catch (RuntimeException e) {
            log.error("part {} ({}) not salvaged: the catalog cannot be read: {}", earlierNumber, earlierPart,
                    e.toString());
            return;
        }
        if (entry.isEmpty() || entry.get().status() != RecordingStatus.RECORDING
                || archive.upload(earlierPart).isPresent()) {
            return; // settled, or being settled by its own recorder (or still stopping here)
        }
        String reason = "its recorder (" + owner + ") vanished; Jicofo continued the session as part " + part;
        log.info("salvaging part {} ({}): {}", earlierNumber, earlierPart, reason);
        archive.salvage(earlierPart, reason).whenComplete((salvaged, error) -> {
            if (error != null) {
                log.error("salvaging part {} ({}) failed: {}", earlierNumber, earlierPart, error.getMessage());
            } else {
                salvaged.ifPresent(settled -> log.info("part {} ({}) salvaged: {}", earlierNumber, earlierPart,
                        settled.status()));
            }
        });
    }

    @Override
    public void close() {
        watcher.shutdownNow();
    }
}
