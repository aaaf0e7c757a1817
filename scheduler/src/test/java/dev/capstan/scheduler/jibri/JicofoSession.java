package dev.capstan.scheduler.jibri;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jivesoftware.smack.util.StringUtils;

/**
 * Jicofo's side of one recording session (jibri.md §1.8, §11), played over a {@link JicofoClient}: it starts the
 * session on a Jibri, follows that Jibri's status IQs and its presence in the brewery and, when the Jibri leaves the
 * brewery or reports {@code off} with a {@code failure_reason} and {@code should_retry='true'}, sends the same start
 * (the same {@code session_id}) to another idle Jibri, up to {@value #NUM_RETRIES} times, telling the room nothing.
 * It keeps what a real Jicofo publishes to the room ({@code <jibri-recording-status status='on|off'/>}), so that a
 * test asserts what the conference saw.
 *
 * <p>Not modelled: the 90-s pending timeout and the 200-ms selection guard.
 */
public final class JicofoSession implements AutoCloseable {

    /** Jicofo's {@code jibri.num-retries}. */
    public static final int NUM_RETRIES = 5;
    /** A Jibri whose start failed is not selected again for this long (§1.8 {@code FAILURE_TIMEOUT}). */
    private static final Duration FAILURE_TIMEOUT = Duration.ofMinutes(1);

    /** What Jicofo published to the room: {@code on} or {@code off}, with the failure reason of an {@code off}. */
    public record Published(String status, Optional<String> failureReason, Instant at) {
    }

    /** A start sent to a Jibri, and its raw answer (null after Jicofo's reply timeout). */
    public record Attempt(String nick, Instant at, String answer) {
    }

    private final JicofoClient client;
    private final String room;
    private final String sessionId;
    /** Everything below is changed on this one thread, as Jicofo handles one session's events in order. */
    private final ExecutorService worker = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "jicofo-session");
        thread.setDaemon(true);
        return thread;
    });
    private final List<Published> published = new CopyOnWriteArrayList<>();
    private final List<Attempt> attempts = new CopyOnWriteArrayList<>();
    private final Map<String, Instant> failed = new ConcurrentHashMap<>();
    private volatile String current;
    private volatile boolean ended;
    private int retries;
    private int updatesSeen;

    private JicofoSession(JicofoClient client, String room, String sessionId) {
        this.client = client;
        this.room = room;
        this.sessionId = sessionId;
    }

    /**
     * A moderator's start: sent to {@code firstNick}, then (if that one does not answer {@code pending}) to other idle
     * Jibris as Jicofo does. Returns once a Jibri answered {@code pending}.
     *
     * @throws IllegalStateException when no Jibri took it
     */
    public static JicofoSession start(JicofoClient client, String room, String sessionId, String firstNick)
            throws InterruptedException {
        JicofoSession session = new JicofoSession(client, room, sessionId);
        client.onReceived(() -> {
            if (!session.worker.isShutdown()) {
                session.worker.execute(session::review);
            }
        });
        session.onWorker(() -> {
            session.updatesSeen = client.updates().size();
            if (!session.startOn(firstNick)) {
                session.retry();
            }
        });
        if (session.current == null) {
            throw new IllegalStateException("no Jibri took session " + sessionId + ": " + session.attempts);
        }
        return session;
    }

    /** Jicofo's stop: sent to the session's Jibri without waiting for its answer; the room shows {@code off} at once. */
    public void stop() throws InterruptedException {
        onWorker(() -> {
            if (ended) {
                return;
            }
            client.send(current, "<jibri xmlns='" + JicofoClient.JIBRI_NS + "' action='stop' session_id='"
                    + StringUtils.escapeForXmlAttribute(sessionId) + "'/>", Duration.ZERO);
            end("off", Optional.empty());
        });
    }

    public String sessionId() {
        return sessionId;
    }

    /** The Jibri (brewery nick) that has the session now; null once it ended without one. */
    public String current() {
        return current;
    }

    public boolean ended() {
        return ended;
    }

    /** Every status Jicofo published to the room, in order. */
    public List<Published> published() {
        return List.copyOf(published);
    }

    /** What the room shows now: the last status published ({@code pending} before any). */
    public String roomShows() {
        List<Published> all = published();
        return all.isEmpty() ? "pending" : all.get(all.size() - 1).status();
    }

    /** Every start sent, in order: the first and each retry. */
    public List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    /** Handles, in order, what arrived since the last look: status IQs from the session's Jibri, its departure. */
    private void review() {
        List<JicofoClient.StatusUpdate> updates = client.updates();
        while (updatesSeen < updates.size() && !ended) {
            JicofoClient.StatusUpdate update = updates.get(updatesSeen++);
            // Jicofo knows a Jibri's updates by its JID alone: a Jibri it moved the session away from is not heard.
            if (update.nick().equals(current)) {
                statusFromJibri(update.jibri());
            }
        }
        if (!ended && current != null && !client.occupants().containsKey(current)) {
            // A Jibri leaving the brewery mid-session is off + error + should_retry='true' (§1.8).
            retry();
        }
    }

    private void statusFromJibri(Map<String, String> jibri) {
        String status = jibri.get("status");
        Optional<String> failure = Optional.ofNullable(jibri.get("failure_reason"));
        if (failure.isPresent()) {
            if ("true".equals(jibri.get("should_retry"))) {
                retry();
            } else {
                end("off", failure);
            }
        } else if ("off".equals(status)) {
            end("off", Optional.empty());
        } else if ("on".equals(status)) {
            published.add(new Published("on", Optional.empty(), Instant.now()));
        }
    }

    /** Moves the session to another idle Jibri, silently, while retries remain; else the room hears the failure. */
    private void retry() {
        while (retries < NUM_RETRIES) {
            Optional<String> next = select();
            if (next.isEmpty()) {
                break;
            }
            retries++;
            if (startOn(next.get())) {
                return;
            }
        }
        current = null;
        end("off", Optional.of("error"));
    }

    /** An idle, healthy Jibri other than the session's, that has not failed a start in the last minute. */
    private Optional<String> select() {
        Instant now = Instant.now();
        return client.idleOccupants().stream()
                .filter(nick -> !nick.equals(current))
                .filter(nick -> failed.getOrDefault(nick, Instant.MIN).isBefore(now.minus(FAILURE_TIMEOUT)))
                .findFirst();
    }

    /** Sends the start; only a {@code pending} answer counts, anything else marks the Jibri failed (§11.3). */
    private boolean startOn(String nick) {
        JicofoClient.Reply reply = client.start(nick, JicofoClient.fileRecording(room, sessionId));
        attempts.add(new Attempt(nick, Instant.now(), reply.xml()));
        if (reply.isResult() && "pending".equals(reply.jibri().get("status"))) {
            current = nick;
            return true;
        }
        failed.put(nick, Instant.now());
        return false;
    }

    private void end(String status, Optional<String> failureReason) {
        ended = true;
        published.add(new Published(status, failureReason, Instant.now()));
    }

    private void onWorker(Runnable task) throws InterruptedException {
        try {
            worker.submit(task).get(JicofoClient.REPLY_TIMEOUT.toSeconds() * (NUM_RETRIES + 2), TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Jicofo's handling of session " + sessionId + " hangs", e);
        }
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
