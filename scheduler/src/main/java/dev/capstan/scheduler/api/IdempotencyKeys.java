package dev.capstan.scheduler.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.capstan.storage.archive.RecordingId;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * {@code Idempotency-Key} of REST starts, in the database every scheduler shares ({@code idempotency_key}). The key
 * is inserted <em>before</em> anything starts: the primary key on (principal, key) lets exactly one request own it,
 * however many arrive at once on however many schedulers. The others wait (briefly) until the owner has started
 * its recording and answer with the same one; a different body under the same key is refused. A start that fails
 * gives its key back, so that the caller's retry can start. Keys expire after {@link #LIFETIME}; an owner that died
 * before it started anything loses its key after {@link #ABANDONED_AFTER}.
 *
 * <p>Only a digest of the body is stored: stream addresses carry keys.
 */
@Component
class IdempotencyKeys {

    static final String HEADER = "Idempotency-Key";
    static final int MAX_LENGTH = 255;
    static final Duration LIFETIME = Duration.ofHours(24);
    /** Far longer than a start takes (it never queues): its owner is gone. */
    static final Duration ABANDONED_AFTER = Duration.ofMinutes(2);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration PURGE_EVERY = Duration.ofMinutes(5);
    private static final Logger log = LoggerFactory.getLogger(IdempotencyKeys.class);
    /** Canonical JSON: the same object with its fields in any order is the same request. */
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final Duration wait;
    private volatile Instant lastPurge = Instant.EPOCH;

    @Autowired
    IdempotencyKeys(JdbcTemplate jdbc, ControlProperties control) {
        this(jdbc, Clock.systemUTC(), control.idempotencyWait());
    }

    /** @param wait how long a repeated request waits for the owner's recording before it is told to retry */
    IdempotencyKeys(JdbcTemplate jdbc, Clock clock, Duration wait) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.wait = wait;
    }

    /** What a request holding a key may do. */
    sealed interface Claim {

        /** This request owns the key: it starts the recording, then calls {@link #started} or {@link #release}. */
        record Owned() implements Claim {
        }

        /** The key's recording: answer with it, start nothing. */
        record Replay(RecordingId id) implements Claim {
        }

        /** Another request with this key is still starting: try again shortly. */
        record InProgress() implements Claim {
        }

        /** The key was used with another body. */
        record Mismatch() implements Claim {
        }
    }

    /**
     * The header's key, if given and well-formed: 1 to {@value #MAX_LENGTH} printable ASCII characters. An error
     * for {@value #HEADER} otherwise, to be reported with the body's.
     */
    static Optional<String> check(String header, List<InvalidRequestException.FieldError> errors) {
        if (header == null) {
            return Optional.empty();
        }
        if (header.isEmpty() || header.length() > MAX_LENGTH
                || !header.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
            errors.add(new InvalidRequestException.FieldError(HEADER, "must be 1 to " + MAX_LENGTH
                    + " printable ASCII characters (a UUID, say)"));
            return Optional.empty();
        }
        return Optional.of(header);
    }

    /** SHA-256 of the body as canonical JSON (fields sorted), hex. */
    static String hash(JsonNode body) {
        try {
            byte[] canonical = CANONICAL.writeValueAsBytes(CANONICAL.treeToValue(body, Object.class));
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serializes", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * Claims {@code key} for a request with body digest {@code hash}: owned when this request inserted it first,
     * a replay when its recording exists, in progress when its owner has not started within the wait.
     */
    Claim claim(String principal, String key, String hash) throws InterruptedException {
        purgeExpired();
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            Instant now = clock.instant();
            try {
                jdbc.update("insert into idempotency_key (principal, idem_key, request_hash, recording_id, created_at)"
                        + " values (?, ?, ?, null, ?)", principal, key, hash, timestamp(now));
                return new Claim.Owned();
            } catch (DuplicateKeyException taken) {
                // Another request owns it: look at what it has become.
            }
            List<Row> rows = jdbc.query("select request_hash, recording_id, created_at from idempotency_key"
                    + " where principal = ? and idem_key = ?", (rs, i) -> new Row(rs.getString(1),
                    Optional.ofNullable(rs.getString(2)), rs.getObject(3, OffsetDateTime.class).toInstant()),
                    principal, key);
            if (rows.isEmpty()) {
                continue; // its owner gave it back (its start failed) or it expired: try to own it
            }
            Row row = rows.get(0);
            if (row.createdAt().isBefore(now.minus(LIFETIME))) {
                jdbc.update("delete from idempotency_key where principal = ? and idem_key = ? and created_at < ?",
                        principal, key, timestamp(now.minus(LIFETIME)));
                continue;
            }
            if (!row.hash().equals(hash)) {
                return new Claim.Mismatch();
            }
            if (row.recordingId().isPresent()) {
                return new Claim.Replay(RecordingId.of(row.recordingId().get()));
            }
            if (row.createdAt().isBefore(now.minus(ABANDONED_AFTER))) {
                log.warn("idempotency key of {} was claimed at {} and never started a recording; taking it over",
                        principal, row.createdAt());
                jdbc.update("delete from idempotency_key where principal = ? and idem_key = ? and recording_id is null"
                        + " and created_at < ?", principal, key, timestamp(now.minus(ABANDONED_AFTER)));
                continue;
            }
            if (System.nanoTime() >= deadline) {
                return new Claim.InProgress();
            }
            Thread.sleep(POLL.toMillis());
        }
    }

    /** The owner's recording has started: repeated requests get it from now on. */
    void started(String principal, String key, RecordingId id) {
        jdbc.update("update idempotency_key set recording_id = ? where principal = ? and idem_key = ?", id.value(),
                principal, key);
    }

    /** The owner's start failed: the key is free again for a retry. */
    void release(String principal, String key) {
        jdbc.update("delete from idempotency_key where principal = ? and idem_key = ? and recording_id is null",
                principal, key);
    }

    /** Drops expired keys now and then, so the table holds about a day of starts. */
    private void purgeExpired() {
        Instant now = clock.instant();
        if (lastPurge.plus(PURGE_EVERY).isAfter(now)) {
            return;
        }
        lastPurge = now;
        int purged = jdbc.update("delete from idempotency_key where created_at < ?", timestamp(now.minus(LIFETIME)));
        if (purged > 0) {
            log.debug("{} expired idempotency keys dropped", purged);
        }
    }

    private static OffsetDateTime timestamp(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MILLIS).atOffset(ZoneOffset.UTC);
    }

    private record Row(String hash, Optional<String> recordingId, Instant createdAt) {
    }
}
