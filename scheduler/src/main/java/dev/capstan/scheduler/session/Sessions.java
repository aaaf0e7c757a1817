package dev.capstan.scheduler.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.storage.archive.RecordingId;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Every session, in the {@code session} table that all schedulers on one database share: those running and those
 * that ended. The sessions this process drives are live objects, the same from filing to their end; the others are
 * read from their rows on every look. Every filing and move is persisted (a move only if the row is still as this
 * process last saw it: of two schedulers, one wins) and published as a {@link SessionChanged} event.
 */
@Component
public class Sessions {

    private static final Logger log = LoggerFactory.getLogger(Sessions.class);
    /** How many ended sessions {@link #list()} shows. */
    static final int ENDED_LISTED = 200;

    private final ApplicationEventPublisher events;
    private final SessionTable table;
    private final String instance;
    /** The sessions this process drives, until they end. */
    private final Map<RecordingId, Session> live = new ConcurrentHashMap<>();

    public Sessions(ApplicationEventPublisher events, JdbcClient jdbc, ObjectMapper json, SchedulerInstance instance) {
        this.events = events;
        this.table = new SessionTable(jdbc, json);
        this.instance = instance.name();
    }

    /** This scheduler instance's name: the owner of the sessions it files or takes over. */
    public String instance() {
        return instance;
    }

    /**
     * Files a new session, driven by this process.
     *
     * @throws org.springframework.dao.DuplicateKeyException when a session with its id exists already
     * @throws DataAccessException                           when the database cannot file it
     */
    public void add(Session session) {
        synchronized (session) {
            session.owned(instance, 0);
            table.insert(session);
            live.put(session.recordingId(), session);
        }
        log.debug("{} filed by {}", session, instance);
        events.publishEvent(new SessionChanged(session, Optional.empty(), session.state()));
    }

    /**
     * Moves the session if the life cycle allows it and its row is still as this process last saw it.
     *
     * @return false (and nothing changes) when the life cycle does not allow it, e.g. a late event after the session
     *         failed, or when another scheduler moved the session meanwhile (the object then shows where it is)
     */
    public boolean moveTo(Session session, SessionState next) {
        return change(session, next, null);
    }

    /**
     * Moves the session from where its row says it is, when another scheduler has moved it since this object last
     * did (a pause or resume may come through any scheduler): otherwise as {@link #moveTo}.
     */
    public boolean moveFromStored(Session session, SessionState next) {
        synchronized (session) {
            table.find(session.recordingId()).filter(stored -> stored.version() > session.version())
                    .ifPresent(session::refresh);
        }
        return change(session, next, null);
    }

    /**
     * Records a (re)placement and moves the state in one update: e.g. {@code requested → starting} on the node
     * chosen, or {@code on → starting} as part 2 on another node after a fault. A session still {@code starting}
     * may also be placed again elsewhere ({@code starting → starting}) when the node it was sent to refused it.
     *
     * @param partId the catalog recording that will hold this part (the session's own id for part 1)
     * @return false as for {@link #moveTo}
     */
    public boolean assign(Session session, String node, int part, RecordingId partId, SessionState next) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(partId, "partId");
        if (part < 1) {
            throw new IllegalArgumentException("parts count from 1, not " + part);
        }
        return change(session, next, new Placement(node, part, partId));
    }

    private record Placement(String node, int part, RecordingId partId) {
    }

    private boolean change(Session session, SessionState next, Placement placement) {
        SessionState previous;
        synchronized (session) {
            previous = session.state();
            boolean replacing = placement != null && previous instanceof SessionState.Starting
                    && next instanceof SessionState.Starting;
            if (!previous.canMoveTo(next) && !replacing) {
                log.debug("{}: ignoring {} while {}", session, next.name(), previous.name());
                return false;
            }
            Placement target = placement != null ? placement
                    : new Placement(session.node(), session.part(), session.partId());
            long version = session.version();
            long stored;
            try {
                if (!table.update(session.recordingId(), version, next, target.node(), target.part(),
                        target.partId())) {
                    table.find(session.recordingId()).ifPresent(session::refresh);
                    if (session.state().isFinal() || !session.owner().equals(instance)) {
                        live.remove(session.recordingId(), session);
                    }
                    log.info("{}: not moved to {}: another scheduler moved it meanwhile (owner {})", session,
                            next.name(), session.owner());
                    return false;
                }
                stored = version + 1;
            } catch (DataAccessException e) {
                // The recording goes on: this process keeps the truth, and the row catches up on the next move
                // (checked against the version this object last stored).
                log.warn("{}: the move to {} could not be stored now: {}", session, next.name(), e.getMessage());
                stored = version;
            }
            if (placement != null) {
                session.placed(target.node(), target.part(), target.partId());
            }
            session.moved(next, stored);
        }
        events.publishEvent(new SessionChanged(session, Optional.of(previous), next));
        if (next.isFinal()) {
            live.remove(session.recordingId(), session);
        }
        return true;
    }

    /**
     * The unfinished session Jicofo started under {@code sessionId} (its {@code session_id}), whichever process drives
     * it: the one a Jicofo retry with that id continues.
     */
    public Optional<Session> unfinishedFromJicofo(String sessionId) {
        return table.unfinishedFromJicofo(sessionId).map(this::liveOrStored);
    }

    /**
     * Makes this process drive a session another process (or another slot of this one) was recording, as its next
     * part {@code part} with catalog recording {@code partId} on {@code node}, now {@code pending}: what Jicofo's
     * retry of a session asks. One conditional update of state, placement and owner: of two processes taking the
     * same session, one wins. Allowed from {@code starting}, {@code pending}, {@code on} (its recorder vanished) and
     * {@code finalizing} (its part ended with a failure Jicofo retries); never from a final state or {@code stopping}.
     *
     * @return false (and the object shows the stored row) when it is not in such a state or moved meanwhile
     */
    public boolean takeOver(Session session, String node, int part, RecordingId partId) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(partId, "partId");
        SessionState previous;
        SessionState next = new SessionState.Pending(Instant.now());
        synchronized (session) {
            previous = session.state();
            boolean continuable = previous instanceof SessionState.Starting || previous instanceof SessionState.Pending
                    || previous instanceof SessionState.On || previous instanceof SessionState.Finalizing;
            if (!continuable || part <= session.part()) {
                log.info("{}: not taken over as part {} while {}", session, part, previous.name());
                return false;
            }
            long version = session.version();
            if (!table.takeOver(session.recordingId(), version, next, node, part, partId, instance)) {
                table.find(session.recordingId()).ifPresent(session::refresh);
                log.info("{}: not taken over as part {}: moved meanwhile (owner {})", session, part, session.owner());
                return false;
            }
            String before = session.owner();
            session.placed(node, part, partId);
            session.owned(instance, version + 1);
            session.moved(next, version + 1);
            live.put(session.recordingId(), session);
            log.info("{}: taken over from {} as part {} ({})", session, before, part, partId);
        }
        events.publishEvent(new SessionChanged(session, Optional.of(previous), next));
        return true;
    }

    /** The session as its row says now, even one this process drives: to notice that another process took it over. */
    public Optional<Session> stored(RecordingId id) {
        return table.find(id);
    }

    public Optional<Session> find(RecordingId id) {
        Session session = live.get(id);
        return session != null ? Optional.of(session) : table.find(id);
    }

    /** Running sessions first (oldest first), then the {@value #ENDED_LISTED} that ended last (newest first). */
    public List<Session> list() {
        List<Session> all = new ArrayList<>(active());
        all.addAll(table.ended(ENDED_LISTED));
        return all;
    }

    /** Sessions not yet done or failed, of every scheduler, oldest first. */
    public List<Session> active() {
        return table.active().stream().map(this::liveOrStored).toList();
    }

    /**
     * Makes this process drive the sessions that an earlier process of this instance left unfinished (those it
     * drives already excepted).
     */
    List<Session> adoptUnfinished() {
        List<Session> adopted = new ArrayList<>();
        for (Session stored : table.activeOwnedBy(instance)) {
            if (live.putIfAbsent(stored.recordingId(), stored) == null) {
                adopted.add(stored);
            }
        }
        return adopted;
    }

    /**
     * Makes this process drive a session it has just claimed in the database (now at {@code version}).
     *
     * @return false when this process drives it already
     */
    boolean drive(Session claimed, long version) {
        synchronized (claimed) {
            claimed.owned(instance, version);
        }
        return live.putIfAbsent(claimed.recordingId(), claimed) == null;
    }

    private Session liveOrStored(Session stored) {
        return live.getOrDefault(stored.recordingId(), stored);
    }
}
