package dev.capstan.scheduler.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.plan.Mode;
import dev.capstan.storage.archive.RecordingId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The {@code session} table (V3__session.sql): rows in, sessions out. Every change is one conditional update on the
 * row's version, so that of two schedulers moving the same session only one succeeds.
 */
final class SessionTable {

    static final String COLUMNS = "recording_id, origin, session_id, mode, meeting, metadata, requested_at, "
            + "state, state_since, state_detail, failure_reason, paused_position_ms, retryable, node, part, part_id, plan, owner, updated_at, "
            + "version";
    static final String NOT_FINAL = "state not in ('done', 'failed')";
    private static final TypeReference<Map<String, Object>> JSON_OBJECT = new TypeReference<>() {
    };

    private final JdbcClient jdbc;
    private final ObjectMapper json;

    SessionTable(JdbcClient jdbc, ObjectMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    void insert(Session session) {
        SessionState state = session.state();
        jdbc.sql("insert into session (" + COLUMNS + ") values (:id, :origin, :sessionId, :mode, :meeting, "
                        + ":metadata, :requestedAt, :state, :since, :detail, :failureReason, :pausedPositionMs, :retryable, :node, :part, "
                        + ":partId, :plan, "
                        + ":owner, :now, :version)")
                .param("id", session.recordingId().value())
                .param("origin", session.origin())
                .param("sessionId", session.sessionId().orElse(null))
                .param("mode", session.mode().wireName())
                .param("meeting", session.meeting())
                .param("metadata", write(session.metadata()))
                .param("requestedAt", time(session.requestedAt()))
                .param("state", state.name())
                .param("since", time(state.since()))
                .param("detail", storedDetail(state))
                .param("failureReason", failureReason(state))
                .param("pausedPositionMs", state.pausedAt().map(Duration::toMillis).orElse(null))
                .param("retryable", state instanceof SessionState.Failed failed && failed.retryable())
                .param("node", session.node())
                .param("part", session.part())
                .param("partId", session.partId().value())
                .param("plan", session.plan().isEmpty() ? null : session.plan())
                .param("owner", session.owner())
                .param("now", time(Instant.now()))
                .param("version", session.version())
                .update();
    }

    /**
     * Writes the state and placement if the row is still at {@code expectedVersion}; the version becomes one more.
     *
     * @return false when the row moved on meanwhile (or is gone)
     */
    boolean update(RecordingId id, long expectedVersion, SessionState state, String node, int part,
            RecordingId partId) {
        return jdbc.sql("update session set state = :state, state_since = :since, state_detail = :detail, "
                        + "failure_reason = :failureReason, paused_position_ms = :pausedPositionMs, retryable = :retryable, node = :node, part = :part, part_id = :partId, updated_at = :now, "
                        + "version = version + 1 where recording_id = :id and version = :version")
                .param("state", state.name())
                .param("since", time(state.since()))
                .param("detail", storedDetail(state))
                .param("failureReason", failureReason(state))
                .param("pausedPositionMs", state.pausedAt().map(Duration::toMillis).orElse(null))
                .param("retryable", state instanceof SessionState.Failed failed && failed.retryable())
                .param("node", node)
                .param("part", part)
                .param("partId", partId.value())
                .param("now", time(Instant.now()))
                .param("id", id.value())
                .param("version", expectedVersion)
                .update() == 1;
    }

    /**
     * Moves a session to another owner as well (a Jicofo retry continuing it here): state, placement and owner in
     * one update, if the row is still at {@code expectedVersion}.
     *
     * @return false when the row moved on meanwhile (or is gone)
     */
    boolean takeOver(RecordingId id, long expectedVersion, SessionState state, String node, int part,
            RecordingId partId, String owner) {
        return jdbc.sql("update session set state = :state, state_since = :since, state_detail = null, "
                        + "failure_reason = null, paused_position_ms = null, retryable = false, node = :node, part = :part, part_id = :partId, owner = :owner, "
                        + "updated_at = :now, version = version + 1 where recording_id = :id and version = :version")
                .param("state", state.name())
                .param("since", time(state.since()))
                .param("node", node)
                .param("part", part)
                .param("partId", partId.value())
                .param("owner", owner)
                .param("now", time(Instant.now()))
                .param("id", id.value())
                .param("version", expectedVersion)
                .update() == 1;
    }

    /** The latest unfinished session Jicofo started (origin {@code xmpp:…}) under its {@code session_id}. */
    Optional<Session> unfinishedFromJicofo(String sessionId) {
        return jdbc.sql("select " + COLUMNS + " from session where session_id = :sessionId and origin like 'xmpp:%' "
                        + "and " + NOT_FINAL + " order by requested_at desc, recording_id fetch first 1 rows only")
                .param("sessionId", sessionId)
                .query(this::row)
                .optional();
    }

    Optional<Session> find(RecordingId id) {
        return jdbc.sql("select " + COLUMNS + " from session where recording_id = :id")
                .param("id", id.value())
                .query(this::row)
                .optional();
    }

    /** Sessions not yet done or failed, oldest first. */
    List<Session> active() {
        return jdbc.sql("select " + COLUMNS + " from session where " + NOT_FINAL + " order by requested_at, recording_id")
                .query(this::row)
                .list();
    }

    List<Session> activeOwnedBy(String owner) {
        return jdbc.sql("select " + COLUMNS + " from session where owner = :owner and " + NOT_FINAL
                        + " order by requested_at, recording_id")
                .param("owner", owner)
                .query(this::row)
                .list();
    }

    /** The sessions that ended most recently, newest first. */
    List<Session> ended(int limit) {
        return jdbc.sql("select " + COLUMNS + " from session where state in ('done', 'failed') "
                        + "order by state_since desc, recording_id fetch first :limit rows only")
                .param("limit", limit)
                .query(this::row)
                .list();
    }

    /** What state_detail holds: a failure's detail alone (its reason has a column), or how it is finalizing. */
    private static String storedDetail(SessionState state) {
        return state instanceof SessionState.Failed failed ? failed.failure().detail() : state.detail();
    }

    private static String failureReason(SessionState state) {
        return state instanceof SessionState.Failed failed ? failed.failure().reason().wireName() : null;
    }

    /** The session a row holds ({@link #COLUMNS}). */
    Session row(ResultSet row, int number) throws SQLException {
        String stateName = row.getString("state");
        SessionState state = SessionState.of(stateName, instant(row, "state_since"), row.getString("state_detail"),
                Optional.ofNullable(row.getString("failure_reason")), row.getBoolean("retryable"),
                Optional.ofNullable(row.getObject("paused_position_ms", Long.class)).map(Duration::ofMillis));
        return new Session(RecordingId.of(row.getString("recording_id")), row.getString("origin"),
                Optional.ofNullable(row.getString("session_id")), Mode.ofWireName(row.getString("mode")).orElse(Mode.FILE), row.getString("meeting"),
                read(row.getString("metadata")), instant(row, "requested_at"), row.getString("plan"), state,
                row.getString("node"), row.getInt("part"), RecordingId.of(row.getString("part_id")),
                row.getString("owner"), row.getLong("version"));
    }

    private String write(Map<String, Object> metadata) {
        try {
            return json.writeValueAsString(metadata);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the session's metadata cannot be written as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    private Map<String, Object> read(String metadata) {
        try {
            Map<String, Object> map = json.readValue(metadata, JSON_OBJECT);
            return map == null ? Map.of() : map;
        } catch (JsonProcessingException e) {
            // A row another tool wrote badly still lists; its metadata does not.
            return Map.of();
        }
    }

    /** Both databases keep microseconds: what is written is what is read back. */
    static Instant stored(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }

    static OffsetDateTime time(Instant instant) {
        return stored(instant).atOffset(ZoneOffset.UTC);
    }

    static Instant instant(ResultSet row, String column) throws SQLException {
        return row.getObject(column, OffsetDateTime.class).toInstant();
    }
}
