package dev.capstan.scheduler.session;

import dev.capstan.storage.archive.RecordingId;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Component;

/**
 * The sessions of this process: those running, and the most recent that ended, for status pages and logs. Every
 * filing and move is published as a {@link SessionChanged} event.
 */
@Component
public class Sessions {

    private static final int ENDED_KEPT = 100;

    private final ApplicationEventPublisher events;
    private final Map<RecordingId, Session> active = new LinkedHashMap<>();
    private final Deque<Session> ended = new ArrayDeque<>();

    public Sessions(ApplicationEventPublisher events) {
        this.events = events;
    }

    public void add(Session session) {
        synchronized (this) {
            active.put(session.recordingId(), session);
        }
        events.publishEvent(new SessionChanged(session, Optional.empty(), session.state()));
    }

    /** Moves the session and files it among the ended ones once its state is final. */
    public boolean moveTo(Session session, SessionState next) {
        SessionState previous;
        boolean moved;
        synchronized (session) {
            previous = session.state();
            moved = session.moveTo(next);
        }
        if (moved) {
            events.publishEvent(new SessionChanged(session, Optional.of(previous), next));
        }
        if (moved && next.isFinal()) {
            synchronized (this) {
                if (active.remove(session.recordingId()) != null) {
                    ended.addFirst(session);
                    while (ended.size() > ENDED_KEPT) {
                        ended.removeLast();
                    }
                }
            }
        }
        return moved;
    }

    public synchronized Optional<Session> find(RecordingId id) {
        Session session = active.get(id);
        if (session != null) {
            return Optional.of(session);
        }
        return ended.stream().filter(s -> s.recordingId().equals(id)).findFirst();
    }

    /** Running sessions first (oldest first), then recently ended ones (newest first). */
    public synchronized List<Session> list() {
        List<Session> all = new ArrayList<>(active.values());
        all.addAll(ended);
        return all;
    }
}
