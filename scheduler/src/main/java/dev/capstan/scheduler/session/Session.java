package dev.capstan.scheduler.session;

import dev.capstan.scheduler.plan.Mode;
import dev.capstan.storage.archive.RecordingId;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One recording or stream as its requester sees it: who asked (Jicofo through a brewery occupant, Jibri's HTTP
 * API, REST), for which meeting, where it is in its life and where it runs. Moves only along
 * {@link SessionState#canMoveTo}, and only through {@link Sessions}, which persists every move.
 *
 * <p>The placement facts change when the session moves to another node after a fault: {@code node} is the node
 * that records it ({@value #LOCAL} for this process's embedded node), {@code part} counts the pieces it was
 * recorded in (1 first) and {@code partId} is the catalog recording that holds the current piece (the session's
 * own id for part 1). {@code plan} is whatever its starter needs to place it again (opaque JSON, may be empty);
 * {@code owner} is the scheduler instance that drives it.
 *
 * @param origin    who started it, e.g. {@code xmpp:prod/127.0.0.1/node-1} or {@code jibri-http}
 * @param sessionId the requester's own id for it (Jicofo's {@code session_id}), if any
 * @param metadata  the requester's own data about it, passed back in webhooks and status (REST {@code metadata},
 *                  Jicofo's {@code app_data})
 */
public final class Session {

    /** The node of a session that this process's embedded node records. */
    public static final String LOCAL = "local";

    private static final Logger log = LoggerFactory.getLogger(Session.class);
    /** {@code scheme://user:password@}: the part up to the host that must go. */
    private static final Pattern USER_INFO = Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#@]*@");

    private final RecordingId recordingId;
    private final String origin;
    private final Optional<String> sessionId;
    private final Mode mode;
    private final String meeting;
    private final Map<String, Object> metadata;
    private final Instant requestedAt;
    private final String plan;
    private volatile SessionState state;
    private volatile String node;
    private volatile int part;
    private volatile RecordingId partId;
    private volatile String owner;
    /** The stored row's version this object last read or wrote: moves are checked against it. */
    private volatile long version;

    /** A session that this process's embedded node has taken: {@code pending}, part 1 on {@value #LOCAL}. */
    public Session(RecordingId recordingId, String origin, Optional<String> sessionId, Mode mode, String meeting,
            Map<String, Object> metadata, Instant requestedAt) {
        this(recordingId, origin, sessionId, mode, meeting, metadata, requestedAt,
                new SessionState.Pending(requestedAt), LOCAL, "");
    }

    /**
     * A session in its first state, e.g. {@code requested} with no node yet (an empty {@code node}).
     *
     * @param plan what another scheduler needs to place it again (opaque JSON), or empty
     */
    public Session(RecordingId recordingId, String origin, Optional<String> sessionId, Mode mode, String meeting,
            Map<String, Object> metadata, Instant requestedAt, SessionState initial, String node, String plan) {
        this(recordingId, origin, sessionId, mode, meeting, metadata, requestedAt, plan, initial, node, 1,
                recordingId, "", 0);
    }

    /** A session as stored, or as filed. */
    Session(RecordingId recordingId, String origin, Optional<String> sessionId, Mode mode, String meeting,
            Map<String, Object> metadata, Instant requestedAt, String plan, SessionState state, String node, int part,
            RecordingId partId, String owner, long version) {
        this.recordingId = Objects.requireNonNull(recordingId, "recordingId");
        this.origin = Objects.requireNonNull(origin, "origin");
        this.sessionId = Objects.requireNonNull(sessionId, "sessionId");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.meeting = Objects.requireNonNull(meeting, "meeting");
        // Not Map.copyOf: the requester's JSON may hold nulls.
        this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        this.requestedAt = Objects.requireNonNull(requestedAt, "requestedAt");
        this.plan = plan == null ? "" : plan;
        this.state = Objects.requireNonNull(state, "state");
        this.node = node == null ? "" : node;
        this.part = part;
        this.partId = Objects.requireNonNull(partId, "partId");
        this.owner = owner == null ? "" : owner;
        this.version = version;
    }

    /** Takes the move (checked by {@link Sessions}) and logs it. */
    void moved(SessionState next, long newVersion) {
        log.info("session {}{} ({} of {}, from {}{}): {} -> {}{}", recordingId,
                sessionId.map(id -> " [" + id + "]").orElse(""), mode.wireName(), withoutSecrets(meeting), origin,
                node.equals(LOCAL) ? "" : ", on " + node + " part " + part, state.name(), next.name(),
                next.detail() == null ? "" : ": " + next.detail());
        state = next;
        version = newVersion;
    }

    /**
     * The meeting's address without what may carry credentials, for logs and webhooks: the query ({@code ?jwt=…}),
     * the fragment and any user info. A room JID or other text that is not a URL keeps all but a query or fragment.
     */
    public static String withoutSecrets(String meeting) {
        if (meeting == null) {
            return null;
        }
        int query = meeting.indexOf('?');
        int fragment = meeting.indexOf('#');
        int cut = query < 0 ? fragment : fragment < 0 ? query : Math.min(query, fragment);
        String kept = cut < 0 ? meeting : meeting.substring(0, cut);
        return USER_INFO.matcher(kept).replaceFirst("$1");
    }

    void placed(String node, int part, RecordingId partId) {
        this.node = Objects.requireNonNull(node, "node");
        this.part = part;
        this.partId = Objects.requireNonNull(partId, "partId");
    }

    void owned(String owner, long newVersion) {
        this.owner = owner;
        this.version = newVersion;
    }

    /** Takes what the stored row says (another scheduler moved it). */
    void refresh(Session stored) {
        state = stored.state;
        node = stored.node;
        part = stored.part;
        partId = stored.partId;
        owner = stored.owner;
        version = stored.version;
    }

    public RecordingId recordingId() {
        return recordingId;
    }

    public String origin() {
        return origin;
    }

    public Optional<String> sessionId() {
        return sessionId;
    }

    public Mode mode() {
        return mode;
    }

    public String meeting() {
        return meeting;
    }

    public Map<String, Object> metadata() {
        return metadata;
    }

    public Instant requestedAt() {
        return requestedAt;
    }

    public SessionState state() {
        return state;
    }

    /** The node that records it: {@value #LOCAL} for this process's embedded node; empty before placement. */
    public String node() {
        return node;
    }

    /** Which piece of the recording is being made: 1 first, one more after every move to another node. */
    public int part() {
        return part;
    }

    /** The catalog recording that holds the current part; the session's own id for part 1. */
    public RecordingId partId() {
        return partId;
    }

    /** What its starter needs to place it again (opaque JSON), or empty. */
    public String plan() {
        return plan;
    }

    /** The scheduler instance that drives it (see {@code capstan.instance-name}). */
    public String owner() {
        return owner;
    }

    /** The stored row's version as this object last saw it. */
    public long version() {
        return version;
    }

    @Override
    public String toString() {
        return "session " + recordingId + " (" + state.name() + (node.isEmpty() ? "" : " on " + node) + ")";
    }
}
