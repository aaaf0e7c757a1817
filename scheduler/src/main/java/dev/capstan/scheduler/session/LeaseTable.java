package dev.capstan.scheduler.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.storage.archive.RecordingId;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The {@code scheduler_lease} table (V8__scheduler_lease.sql) and the claims it allows on the {@code session} table.
 * Every time is the database's clock ({@code current_timestamp}), so schedulers on hosts whose clocks disagree still
 * agree on whose lease has expired.
 */
final class LeaseTable {

    /** A session whose scheduler holds no live lease, with that scheduler's last lease if it ever had one. */
    record Orphan(Session session, Optional<Instant> renewedAt, Optional<Instant> expiredAt) {
    }

    private final JdbcClient jdbc;
    private final SessionTable sessions;

    LeaseTable(JdbcClient jdbc, ObjectMapper json) {
        this.jdbc = jdbc;
        this.sessions = new SessionTable(jdbc, json);
    }

    /** Renews (or takes) the instance's lease for {@code term} from the database's now. */
    void renew(String instance, Duration term) {
        Instant now = jdbc.sql("select current_timestamp").query(OffsetDateTime.class).single().toInstant();
        OffsetDateTime renewed = SessionTable.time(now);
        OffsetDateTime expires = SessionTable.time(now.plus(term));
        if (update(instance, renewed, expires)) {
            return;
        }
        try {
            jdbc.sql("insert into scheduler_lease (instance, renewed_at, expires_at) values (:instance, :renewed, "
                            + ":expires)")
                    .param("instance", instance).param("renewed", renewed).param("expires", expires)
                    .update();
        } catch (DuplicateKeyException e) {
            // Another process of the same name inserted it meanwhile (two schedulers misnamed alike): take it over.
            update(instance, renewed, expires);
        }
    }

    private boolean update(String instance, OffsetDateTime renewed, OffsetDateTime expires) {
        return jdbc.sql("update scheduler_lease set renewed_at = :renewed, expires_at = :expires "
                        + "where instance = :instance")
                .param("renewed", renewed).param("expires", expires).param("instance", instance)
                .update() == 1;
    }

    /**
     * The unfinished sessions of other schedulers whose lease has expired, oldest first; with {@code unleased},
     * also those of schedulers that never held a lease.
     */
    List<Orphan> orphans(String instance, boolean unleased) {
        return jdbc.sql("select " + SessionTable.COLUMNS + ", renewed_at, expires_at from session "
                        + "left join scheduler_lease on scheduler_lease.instance = session.owner "
                        + "where " + SessionTable.NOT_FINAL + " and owner <> :instance and (expires_at < current_timestamp"
                        + (unleased ? " or scheduler_lease.instance is null)" : ")")
                        + " order by requested_at, recording_id")
                .param("instance", instance)
                .query(this::orphan)
                .list();
    }

    private Orphan orphan(ResultSet row, int number) throws SQLException {
        return new Orphan(sessions.row(row, number), optionalInstant(row, "renewed_at"),
                optionalInstant(row, "expires_at"));
    }

    private static Optional<Instant> optionalInstant(ResultSet row, String column) throws SQLException {
        return row.getObject(column) == null ? Optional.empty() : Optional.of(SessionTable.instant(row, column));
    }

    /**
     * Makes {@code instance} the session's owner if it is still unfinished, still {@code owner}'s at {@code version},
     * and {@code owner} holds no live lease: a scheduler that renewed meanwhile keeps it, and of two schedulers
     * claiming it at once only one succeeds (the version moves on).
     *
     * @return whether {@code instance} owns it now, at {@code version + 1}
     */
    boolean claim(RecordingId id, String owner, long version, String instance) {
        return jdbc.sql("update session set owner = :instance, updated_at = :now, version = version + 1 "
                        + "where recording_id = :id and owner = :owner and version = :version and "
                        + SessionTable.NOT_FINAL + " and not exists (select 1 from scheduler_lease "
                        + "where scheduler_lease.instance = :owner and expires_at >= current_timestamp)")
                .param("instance", instance)
                .param("now", SessionTable.time(Instant.now()))
                .param("id", id.value())
                .param("owner", owner)
                .param("version", version)
                .update() == 1;
    }
}
