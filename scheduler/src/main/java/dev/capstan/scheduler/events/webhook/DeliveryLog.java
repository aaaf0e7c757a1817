package dev.capstan.scheduler.events.webhook;

import java.net.URI;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The {@code webhook_delivery} table: every event for every subscriber, its attempts and outcome. Pending entries
 * are what a restarted process sends again. Each method is one statement (auto-commit).
 */
public class DeliveryLog {

    private static final int ERROR_LENGTH = 1024;
    private static final String COLUMNS = "id, event_id, subscriber_url, event_type, recording_id, created_at, state,"
            + " attempts, last_status, last_error, next_attempt_at, delivered_at";

    private final JdbcClient jdbc;

    public DeliveryLog(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
    }

    void add(Delivery delivery) {
        jdbc.sql("insert into webhook_delivery (id, event_id, subscriber_url, event_type, recording_id, payload,"
                        + " created_at, state, attempts, next_attempt_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .params(delivery.id(), delivery.eventId(), delivery.subscriber().toString(),
                        delivery.event().wireName(), delivery.recordingId(), delivery.body(),
                        time(delivery.createdAt()), DeliveryState.PENDING.wireName(), delivery.attempts(),
                        time(delivery.nextAttemptAt()))
                .update();
    }

    void retrying(Delivery delivery, Integer status, String error) {
        jdbc.sql("update webhook_delivery set attempts = ?, last_status = ?, last_error = ?, next_attempt_at = ?"
                        + " where id = ?")
                .params(delivery.attempts(), status, cut(error), time(delivery.nextAttemptAt()), delivery.id())
                .update();
    }

    void delivered(String id, int attempts, int status, Instant at) {
        jdbc.sql("update webhook_delivery set state = ?, attempts = ?, last_status = ?, last_error = null,"
                        + " next_attempt_at = null, delivered_at = ? where id = ?")
                .params(DeliveryState.DELIVERED.wireName(), attempts, status, time(at), id)
                .update();
    }

    void gaveUp(String id, int attempts, Integer status, String error) {
        jdbc.sql("update webhook_delivery set state = ?, attempts = ?, last_status = ?, last_error = ?,"
                        + " next_attempt_at = null where id = ?")
                .params(DeliveryState.GIVEN_UP.wireName(), attempts, status, cut(error), id)
                .update();
    }

    /** Every pending delivery, oldest first, with the body it was first sent with. */
    List<Delivery> pending() {
        return jdbc.sql("select id, event_id, subscriber_url, event_type, recording_id, payload, created_at, attempts,"
                        + " next_attempt_at from webhook_delivery where state = ? order by seq")
                .param(DeliveryState.PENDING.wireName())
                .query((rs, row) -> {
                    Instant created = instant(rs, "created_at");
                    Instant next = instant(rs, "next_attempt_at");
                    return new Delivery(rs.getString("id"), rs.getString("event_id"),
                            WebhookEvent.named(rs.getString("event_type")).orElseThrow(), rs.getString("recording_id"),
                            URI.create(rs.getString("subscriber_url")), rs.getString("payload"), created,
                            rs.getInt("attempts"), next == null ? created : next);
                })
                .list();
    }

    /**
     * The newest entries first.
     *
     * @param limit at most this many (the caller bounds it)
     */
    public List<LoggedDelivery> list(Optional<String> recordingId, Optional<DeliveryState> state, int limit) {
        StringBuilder sql = new StringBuilder("select " + COLUMNS + " from webhook_delivery where 1 = 1");
        List<Object> params = new ArrayList<>();
        recordingId.ifPresent(id -> {
            sql.append(" and recording_id = ?");
            params.add(id);
        });
        state.ifPresent(s -> {
            sql.append(" and state = ?");
            params.add(s.wireName());
        });
        // An int the caller has bounded: inlined, since not every database takes a parameter here.
        sql.append(" order by seq desc fetch first ").append(Math.max(1, limit)).append(" rows only");
        return jdbc.sql(sql.toString()).params(params)
                .query((rs, row) -> new LoggedDelivery(rs.getString("id"), rs.getString("event_id"),
                        rs.getString("event_type"), rs.getString("recording_id"),
                        WebhookProperties.Subscriber.shown(URI.create(rs.getString("subscriber_url"))),
                        instant(rs, "created_at"), rs.getString("state"), rs.getInt("attempts"),
                        (Integer) rs.getObject("last_status", Integer.class), rs.getString("last_error"),
                        instant(rs, "next_attempt_at"), instant(rs, "delivered_at")))
                .list();
    }

    /** Deletes delivered and given-up entries created before {@code before}; pending ones stay whatever their age. */
    int purge(Instant before) {
        return jdbc.sql("delete from webhook_delivery where state <> ? and created_at < ?")
                .params(DeliveryState.PENDING.wireName(), time(before))
                .update();
    }

    private static OffsetDateTime time(Instant instant) {
        // Microseconds: what PostgreSQL keeps, so that what is read back equals what was written.
        return instant == null ? null : instant.truncatedTo(ChronoUnit.MICROS).atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime time = rs.getObject(column, OffsetDateTime.class);
        return time == null ? null : time.toInstant();
    }

    private static String cut(String error) {
        return error == null || error.length() <= ERROR_LENGTH ? error : error.substring(0, ERROR_LENGTH - 1) + "…";
    }
}
