package dev.capstan.scheduler.events.webhook;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.plan.Mode;
import dev.capstan.scheduler.session.SchedulerInstance;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionChanged;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Webhooks wired by hand as the application wires them: a migrated database with the delivery log, real
 * {@link Sessions} whose events go to a started {@link Webhooks}, and a meter registry to read the counters from.
 */
final class Rig implements AutoCloseable {

    static final String SECRET = "whsec-5f0c2a9e41b7d3c8";

    final DeliveryLog log;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final Webhooks webhooks;
    final Sessions sessions;
    /** What the archive has of each recording, as a final event reads it from the catalog. */
    final Map<RecordingId, RecordingEntry> archived = new ConcurrentHashMap<>();

    Rig(DataSource database, WebhookProperties settings) {
        log = new DeliveryLog(database);
        webhooks = Webhooks.start(settings, log, meters, new ObjectMapper(),
                id -> Optional.ofNullable(archived.get(id))).orElseThrow();
        sessions = new Sessions(event -> webhooks.accept((SessionChanged) event), JdbcClient.create(database),
                new ObjectMapper(), new SchedulerInstance("webhooks-test"));
    }

    /** A new in-memory H2 database with every migration applied; it lives as long as the JVM. */
    static DataSource h2() {
        return migrated("jdbc:h2:mem:webhooks-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
    }

    static DataSource migrated(String url, String user, String password) {
        DriverManagerDataSource database = new DriverManagerDataSource(url, user, password);
        Flyway.configure().dataSource(database).locations("classpath:db/migration").load().migrate();
        return database;
    }

    static WebhookProperties.Subscriber subscriber(URI url, String... events) {
        return new WebhookProperties.Subscriber(url, SECRET, List.of(events));
    }

    /** Small numbers, so that retries and give-ups happen within a test. */
    static WebhookProperties settings(Duration timeout, int maxAttempts, Duration firstRetry, int queueSize,
            WebhookProperties.Subscriber... subscribers) {
        return new WebhookProperties(List.of(subscribers), timeout, maxAttempts, firstRetry, Duration.ofSeconds(2),
                queueSize, Duration.ofDays(7));
    }

    /** Files a session as REST does, for a meeting whose address carries a token. */
    Session file() {
        Session session = new Session(RecordingId.generate(), "rest", Optional.of("sess-" + UUID.randomUUID()),
                Mode.FILE, "https://meet.example.com/standup?jwt=eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2ln#config.x=1",
                Map.of("customer", "acme", "ticket", 42), Instant.now());
        sessions.add(session);
        return session;
    }

    /** The delivery log's entry of one recording's deliveries once {@code until} holds for them; fails after 10 s. */
    List<LoggedDelivery> awaitLog(String recordingId, Predicate<List<LoggedDelivery>> until) {
        return await("the delivery log of " + recordingId).atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(20))
                .until(() -> log.list(Optional.of(recordingId), Optional.empty(), 500), until);
    }

    /** Waits up to 5 s for the counter to reach {@code expected}, then asserts it. */
    void awaitCount(String outcome, double expected) {
        await(expected + " deliveries counted " + outcome).atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(20)).until(() -> count(outcome) >= expected);
        org.assertj.core.api.Assertions.assertThat(count(outcome)).as(outcome).isEqualTo(expected);
    }

    double count(String outcome) {
        return meters.get("capstan.webhook.deliveries").tag("outcome", outcome).counter().count();
    }

    @Override
    public void close() {
        webhooks.close();
    }
}
