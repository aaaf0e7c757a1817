package dev.capstan.scheduler.events.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.capstan.recorder.slot.Failure;
import dev.capstan.scheduler.plan.Mode;
import dev.capstan.scheduler.session.SchedulerInstance;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionChanged;
import dev.capstan.scheduler.session.SessionFailure;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.storage.archive.RecordingId;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Session metrics from the events {@link Sessions} publishes, with real sessions: a start is timed once, from filing
 * to the first frame; a failover is counted and its second start is not timed; a failure counts under its kind.
 */
class SessionMetricsTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicReference<SessionMetrics> metrics = new AtomicReference<>();
    private HikariDataSource database;
    private Sessions sessions;

    /** Sessions as the application keeps them: in the catalog's database (in memory here), schema by Flyway. */
    @BeforeEach
    void sessions() {
        database = new HikariDataSource();
        database.setJdbcUrl("jdbc:h2:mem:session-metrics-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        database.setUsername("sa");
        database.setPassword("");
        Flyway.configure().dataSource(database).locations("classpath:db/migration").load().migrate();
        sessions = new Sessions(event -> metrics.get().changed((SessionChanged) event), JdbcClient.create(database),
                new ObjectMapper(), new SchedulerInstance("metrics-test"));
        metrics.set(new SessionMetrics(registry, sessions));
    }

    @AfterEach
    void closeDatabase() {
        database.close();
    }

    private static Session session(String origin, Instant requestedAt) {
        return new Session(RecordingId.generate(), origin, Optional.empty(), Mode.FILE, "https://meet.example.com/room",
                Map.of(), requestedAt);
    }

    private Timer start(String origin) {
        return registry.find(SessionMetrics.START).tag("origin", origin).timer();
    }

    private double failures(String reason) {
        return registry.get(SessionMetrics.FAILURES).tag("reason", reason).counter().count();
    }

    private double sessionsIn(String state) {
        return registry.get(SessionMetrics.SESSIONS).tag("state", state).gauge().value();
    }

    @Test
    void aStartIsTimedFromFilingToTheFirstFrameUnderItsOriginKind() throws Exception {
        Instant requested = Instant.now().minusMillis(1500);
        Session session = session("xmpp:prod/10.0.0.7/capstan-2", requested);
        sessions.add(session);
        assertThat(sessionsIn("pending")).isEqualTo(1);
        assertThat(start("xmpp")).as("no timer before the first start").isNull();

        sessions.moveTo(session, new SessionState.On(requested.plusMillis(1500)));
        assertThat(start("xmpp").count()).isEqualTo(1);
        assertThat(start("xmpp").totalTime(TimeUnit.MILLISECONDS)).isCloseTo(1500, within(1.0));
        Thread.sleep(1100); // the state gauges share one look at the sessions for a second
        assertThat(sessionsIn("on")).isEqualTo(1);
        assertThat(sessionsIn("pending")).isZero();
    }

    @Test
    void aFailoverIsCountedAndItsRestartIsNoSecondStart() {
        Instant requested = Instant.now();
        Session session = session("rest", requested);
        SessionState pending = session.state();
        SessionState on = new SessionState.On(requested.plusSeconds(1));
        SessionMetrics listener = metrics.get();
        listener.changed(new SessionChanged(session, Optional.empty(), pending));
        listener.changed(new SessionChanged(session, Optional.of(pending), on));
        // The node vanished: the session is placed again elsewhere, then on again.
        SessionState again = new SessionState.Pending(requested.plusSeconds(20));
        listener.changed(new SessionChanged(session, Optional.of(on), again));
        listener.changed(new SessionChanged(session, Optional.of(again), new SessionState.On(requested.plusSeconds(22))));

        assertThat(registry.get(SessionMetrics.FAILOVERS).counter().count()).isEqualTo(1);
        assertThat(start("rest").count()).as("the requester waited for one start only").isEqualTo(1);
    }

    @Test
    void aFailureCountsUnderItsKindAndNeverAsAStart() {
        Session session = session("jibri-http", Instant.now());
        sessions.add(session);
        sessions.moveTo(session, new SessionState.Failed(Instant.now(),
                SessionFailure.of(new Failure(Failure.Reason.NOT_JOINED, "the lobby kept the recorder out"))));

        assertThat(failures("not-joined")).isEqualTo(1);
        assertThat(failures("other")).isZero();
        assertThat(start("jibri-http")).isNull();
    }
}
