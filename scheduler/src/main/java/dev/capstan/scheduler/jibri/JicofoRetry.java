package dev.capstan.scheduler.jibri;

import dev.capstan.recorder.browser.MeetingPage;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.scheduler.archive.RecordingOrder;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionFollower;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Jicofo's retry of a session, continued as the next part of the same recording. When the Jibri that records a
 * session leaves the brewery (its node died) or ends it with {@code should_retry='true'} (its slot failed),
 * Jicofo sends the same start, with the same {@code session_id}, to another idle Jibri and keeps showing the room
 * {@code on} (jibri.md §1.8, §11.8). A start whose {@code session_id} names an unfinished session in the shared
 * database is therefore recorded as that session's next part, filed in the catalog below its recording (one
 * recording with parts), and the session is taken over by this process: one session, not a second one.
 *
 * <p>The earlier part is left to whoever can finish it. If its slot ended it (the session was finalizing) or it is
 * recorded by this process, its own follower settles it. If its recorder vanished without a word (the part is
 * still recording in the catalog, by another process), what reached the store is salvaged: the part becomes
 * partial, its loss cause {@code node-lost}; an already settled part is left as it is.
 */
@Component
public class JicofoRetry {

    private static final Logger log = LoggerFactory.getLogger(JicofoRetry.class);

    private final Sessions sessions;
    private final SessionFollower follower;
    private final RecordingArchive archive;

    public JicofoRetry(Sessions sessions, SessionFollower follower, RecordingArchive archive) {
        this.sessions = sessions;
        this.follower = follower;
        this.archive = archive;
    }

    /**
     * As {@link SessionFollower#startNow}, but a start that Jicofo retries (its {@code session_id} names an
     * unfinished session of the same meeting) continues that session as its next part.
     *
     * @throws IOException when the part cannot be filed, or another process took the session over first
     */
    public SessionFollower.Started startNow(RecordingOrder order, String origin, String mode, MeetingPage page,
            Recordings.Plan plan, Runnable onAir, Consumer<SlotEvent.Outcome> onEnd) throws IOException {
        Optional<Session> retried = order.sessionId().flatMap(sessions::unfinishedFromJicofo)
                .filter(session -> session.meeting().equals(order.meetingUrl().toString()));
        if (retried.isEmpty()) {
            return follower.startNow(order, origin, mode, page, plan, onAir, onEnd);
        }
        return continued(retried.get(), order, page, plan, onAir, onEnd);
    }

    private SessionFollower.Started continued(Session session, RecordingOrder order, MeetingPage page,
            Recordings.Plan plan, Runnable onAir, Consumer<SlotEvent.Outcome> onEnd) throws IOException {
        // What the session was before this process takes it over (the object then shows the new part).
        RecordingId earlierPart = session.partId();
        int earlierNumber = session.part();
        boolean earlierEnded = session.state() instanceof SessionState.Finalizing;
        String earlierOwner = session.owner();
        int part = nextPart(session);
        log.info("jicofo retried session {} [{}]: continuing it as part {} (part {} was {} with {})",
                session.recordingId(), session.sessionId().orElse(""), part, earlierNumber, session.state().name(),
                earlierOwner);
        SessionFollower.Started started;
        try {
            started = follower.continueNow(session, part, order, page, plan, onAir, onEnd);
        } catch (SessionFollower.SessionTakenException e) {
            throw new IOException(e.getMessage(), e);
        }
        if (!earlierEnded) {
            salvageIfAbandoned(earlierPart, earlierNumber, earlierOwner, part);
        }
        return started;
    }

    /** After every part the catalog has of the session, so that a part filed by an attempt that failed is skipped. */
    private int nextPart(Session session) {
        int last = archive.catalog().parts(session.recordingId()).stream().mapToInt(RecordingEntry::part).max()
                .orElse(session.part());
        return Math.max(last, session.part()) + 1;
    }

    /** Salvages the earlier part if its recorder vanished: still recording in the catalog, and not by this process. */
    private void salvageIfAbandoned(RecordingId earlierPart, int earlierNumber, String owner, int part) {
        Optional<RecordingEntry> entry = archive.catalog().find(earlierPart);
        if (entry.isEmpty() || entry.get().status() != RecordingStatus.RECORDING) {
            return; // settled, or being settled by its own recorder
        }
        if (archive.upload(earlierPart).isPresent()) {
            log.warn("jicofo moved part {} ({}) to another slot while this process still records it", earlierNumber,
                    earlierPart);
            return;
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
}
