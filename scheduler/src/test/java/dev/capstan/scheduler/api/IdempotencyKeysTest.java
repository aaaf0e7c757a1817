package dev.capstan.scheduler.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.fixture.PostgresServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Idempotency keys on the real databases, migrated by Flyway as the application does: one request of many
 * concurrent ones owns a key, even when they come through two schedulers sharing one PostgreSQL; the others get
 * its recording; another body is a mismatch; keys expire after a day; a start that failed or whose scheduler died
 * gives its key back.
 */
class IdempotencyKeysTest {

    private static final String HASH = IdempotencyKeys.hash(ControlApi.JSON.createObjectNode().put("url", "a"));
    private static final String OTHER_HASH = IdempotencyKeys.hash(ControlApi.JSON.createObjectNode().put("url", "b"));

    private static PostgresServer postgres;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = PostgresServer.start();
    }

    @AfterAll
    static void stopPostgres() {
        if (postgres != null) {
            postgres.close();
        }
    }

    /** A clock the test moves. */
    private static final class TestClock extends Clock {

        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-22T09:00:00Z"));

        void advance(Duration by) {
            now.updateAndGet(instant -> instant.plus(by));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    private static DataSource migrated(String url, String user, String password) {
        DriverManagerDataSource dataSource = new DriverManagerDataSource(url, user, password);
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        return dataSource;
    }

    private static DataSource h2() {
        return migrated("jdbc:h2:mem:idem-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
    }

    @Test
    void concurrentRequestsThroughTwoSchedulersOnOnePostgresqlStartOneRecording() throws Exception {
        String url = postgres.createDatabase("idem_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12));
        // Two schedulers: each its own connections, one database.
        List<IdempotencyKeys> schedulers = List.of(
                new IdempotencyKeys(new JdbcTemplate(migrated(url, postgres.username(), postgres.password())),
                        Clock.systemUTC(), Duration.ofSeconds(10)),
                new IdempotencyKeys(new JdbcTemplate(new DriverManagerDataSource(url, postgres.username(),
                        postgres.password())), Clock.systemUTC(), Duration.ofSeconds(10)));
        RecordingId recording = RecordingId.generate();
        int requests = 8;
        CountDownLatch ready = new CountDownLatch(requests);
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            List<Future<IdempotencyKeys.Claim>> claims = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                IdempotencyKeys scheduler = schedulers.get(i % 2);
                claims.add(pool.submit(() -> {
                    ready.countDown();
                    ready.await();
                    IdempotencyKeys.Claim claim = scheduler.claim("api-key-1", "order-42", HASH);
                    if (claim instanceof IdempotencyKeys.Claim.Owned) {
                        Thread.sleep(300); // the start takes a while; the others wait for it
                        scheduler.started("api-key-1", "order-42", recording);
                    }
                    return claim;
                }));
            }
            List<IdempotencyKeys.Claim> results = new ArrayList<>();
            for (Future<IdempotencyKeys.Claim> claim : claims) {
                results.add(claim.get(20, TimeUnit.SECONDS));
            }
            assertThat(results).filteredOn(IdempotencyKeys.Claim.Owned.class::isInstance).hasSize(1);
            assertThat(results).filteredOn(claim -> !(claim instanceof IdempotencyKeys.Claim.Owned))
                    .hasSize(requests - 1).allMatch(new IdempotencyKeys.Claim.Replay(recording)::equals);
        } finally {
            pool.shutdownNow();
        }
        // Another principal's same key is another key; the same key with another body is refused.
        assertThat(schedulers.get(1).claim("api-key-2", "order-42", OTHER_HASH))
                .isInstanceOf(IdempotencyKeys.Claim.Owned.class);
        assertThat(schedulers.get(0).claim("api-key-1", "order-42", OTHER_HASH))
                .isInstanceOf(IdempotencyKeys.Claim.Mismatch.class);
    }

    @Test
    void keysExpireAfterADay() throws Exception {
        TestClock clock = new TestClock();
        IdempotencyKeys keys = new IdempotencyKeys(new JdbcTemplate(h2()), clock, Duration.ZERO);
        RecordingId first = RecordingId.generate();
        assertThat(keys.claim("p", "k", HASH)).isInstanceOf(IdempotencyKeys.Claim.Owned.class);
        keys.started("p", "k", first);

        clock.advance(Duration.ofHours(23));
        assertThat(keys.claim("p", "k", HASH)).isEqualTo(new IdempotencyKeys.Claim.Replay(first));
        assertThat(keys.claim("p", "k", OTHER_HASH)).isInstanceOf(IdempotencyKeys.Claim.Mismatch.class);

        clock.advance(Duration.ofHours(2));
        assertThat(keys.claim("p", "k", OTHER_HASH)).as("expired: a new start may use it")
                .isInstanceOf(IdempotencyKeys.Claim.Owned.class);
    }

    @Test
    void aFailedStartOrADeadSchedulerGivesTheKeyBack() throws Exception {
        TestClock clock = new TestClock();
        IdempotencyKeys keys = new IdempotencyKeys(new JdbcTemplate(h2()), clock, Duration.ZERO);
        assertThat(keys.claim("p", "failed", HASH)).isInstanceOf(IdempotencyKeys.Claim.Owned.class);
        assertThat(keys.claim("p", "failed", HASH)).as("its owner is still starting")
                .isInstanceOf(IdempotencyKeys.Claim.InProgress.class);
        keys.release("p", "failed");
        assertThat(keys.claim("p", "failed", HASH)).as("the retry owns it").isInstanceOf(IdempotencyKeys.Claim.Owned.class);

        assertThat(keys.claim("p", "orphan", HASH)).isInstanceOf(IdempotencyKeys.Claim.Owned.class);
        clock.advance(IdempotencyKeys.ABANDONED_AFTER.plusSeconds(1));
        assertThat(keys.claim("p", "orphan", HASH)).as("its scheduler died before starting anything")
                .isInstanceOf(IdempotencyKeys.Claim.Owned.class);
        // A started key is never given back.
        keys.started("p", "orphan", RecordingId.of("rec-1"));
        keys.release("p", "orphan");
        assertThat(keys.claim("p", "orphan", HASH)).isEqualTo(new IdempotencyKeys.Claim.Replay(RecordingId.of("rec-1")));
    }

    @Test
    void keysAreOneTo255PrintableAsciiCharacters() {
        for (String good : List.of("a", "x".repeat(255), "order 42/β".replace("β", "b"), "~!@#$%^&*()")) {
            List<InvalidRequestException.FieldError> errors = new ArrayList<>();
            assertThat(IdempotencyKeys.check(good, errors)).contains(good);
            assertThat(errors).isEmpty();
        }
        for (String bad : List.of("", "x".repeat(256), "café", "tab\tkey", "line\nbreak", "del\u007f")) {
            List<InvalidRequestException.FieldError> errors = new ArrayList<>();
            assertThat(IdempotencyKeys.check(bad, errors)).as(bad).isEmpty();
            assertThat(errors).extracting(InvalidRequestException.FieldError::field).containsExactly("Idempotency-Key");
        }
        assertThat(IdempotencyKeys.check(null, new ArrayList<>())).isEmpty();
    }

    @Test
    void theSameBodyInAnotherFieldOrderHasTheSameDigest() throws Exception {
        assertThat(IdempotencyKeys.hash(ControlApi.JSON.readTree("{\"url\":\"a\",\"metadata\":{\"x\":1,\"y\":2}}")))
                .isEqualTo(IdempotencyKeys.hash(ControlApi.JSON.readTree("{\"metadata\":{\"y\":2,\"x\":1},\"url\":\"a\"}")))
                .isNotEqualTo(IdempotencyKeys.hash(ControlApi.JSON.readTree("{\"url\":\"a\",\"metadata\":{\"x\":2,\"y\":1}}")));
    }
}
