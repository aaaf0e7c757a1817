package dev.capstan.scheduler.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.plan.Mode;
import dev.capstan.storage.archive.RecordingId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Schedulers adopting the sessions of one that is gone, on each database Capstan supports: the sessions of a
 * scheduler whose lease has expired are adopted by exactly one of two schedulers looking at once, and followed
 * again by it alone; those of a scheduler whose lease is live, and sessions that ended, are never touched.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SessionAdoptionContract {

    private static final int SESSIONS = 24;
    private static final Duration EXPIRED = Duration.ofSeconds(-1);

    private MigratedDatabase database;
    private JdbcClient jdbc;
    private LeaseTable leases;
    private final List<AutoCloseable> opened = new ArrayList<>();
    /** Every session some scheduler's SessionRecovery was handed: the adopting instance and the session. */
    private final List<Recovered> recovered = new CopyOnWriteArrayList<>();
    private final List<SessionAdopted> adoptedEvents = new CopyOnWriteArrayList<>();
    private final Map<String, Sessions> byInstance = new ConcurrentHashMap<>();

    private record Recovered(String by, Session session) {
    }

    /** The kind of database the contract runs on. */
    abstract MigratedDatabase.Kind database();

    @BeforeAll
    void open() throws Exception {
        database = MigratedDatabase.open(database());
        jdbc = database.jdbc();
        leases = new LeaseTable(jdbc, new ObjectMapper());
    }

    @AfterAll
    void close() throws Exception {
        if (database != null) {
            database.close();
        }
    }

    @BeforeEach
    void empty() {
        jdbc.sql("delete from session").update();
        jdbc.sql("delete from scheduler_lease").update();
        recovered.clear();
        adoptedEvents.clear();
        byInstance.clear();
    }

    @AfterEach
    void stopSchedulers() throws Exception {
        for (AutoCloseable closeable : opened) {
            closeable.close();
        }
        opened.clear();
    }

    @Test
    void theSessionsOfAGoneSchedulerAreAdoptedByExactlyOneOfTwoSchedulersLookingAtOnce() throws Exception {
        Sessions gone = sessions("gone-1");
        List<Session> filed = new ArrayList<>();
        for (int i = 0; i < SESSIONS; i++) {
            filed.add(remote(gone, i % 3 == 0 ? "starting" : i % 3 == 1 ? "on" : "stopping"));
        }
        leases.renew("gone-1", EXPIRED);
        SessionAdoption a = adoption("survivor-a", Duration.ofMinutes(5));
        SessionAdoption b = adoption("survivor-b", Duration.ofMinutes(5));

        CyclicBarrier start = new CyclicBarrier(2);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> looks = new ArrayList<>();
            for (SessionAdoption adoption : List.of(a, b)) {
                looks.add(threads.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    adoption.adopt();
                    return null;
                }));
            }
            for (Future<?> look : looks) {
                look.get(30, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }

        assertThat(recovered).extracting(r -> r.session().recordingId())
                .as("every session followed again, once").hasSize(SESSIONS).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(filed.stream().map(Session::recordingId).toList());
        for (Recovered one : recovered) {
            Session stored = stored(one.session().recordingId());
            assertThat(stored.owner()).as("the database owner is who follows it").isEqualTo(one.by())
                    .isEqualTo(one.session().owner());
            assertThat(one.session().version()).isEqualTo(stored.version());
        }
        assertThat(adoptedEvents).hasSize(SESSIONS).allSatisfy(event -> {
            assertThat(event.goneScheduler()).isEqualTo("gone-1");
            assertThat(event.goneSince()).isPresent();
        });

        // The adopter drives it on; the gone scheduler's process, were it still around, can no longer move it.
        Recovered first = recovered.get(0);
        assertThat(sessionsOf(first.by()).moveTo(first.session(), new SessionState.Failed(Instant.now(),
                SessionFailure.other("test", false)))).isTrue();
        Session left = filed.stream().filter(s -> !s.recordingId().equals(first.session().recordingId()))
                .findFirst().orElseThrow();
        assertThat(gone.moveTo(left, new SessionState.Failed(Instant.now(), SessionFailure.other("test", false))))
                .isFalse();
        assertThat(stored(left.recordingId()).state().isFinal()).isFalse();
        // Were gone-1 to come back under its name after all, it would find nothing left to pick up.
        Sessions comeback = new Sessions(event -> {
        }, jdbc, new ObjectMapper(), new SchedulerInstance("gone-1"));
        assertThat(comeback.adoptUnfinished()).isEmpty();
    }

    @Test
    void theSessionsOfASchedulerWhoseLeaseIsLiveAreNotAdopted() {
        Sessions alive = sessions("alive-1");
        Session session = remote(alive, "on");
        leases.renew("alive-1", Duration.ofMinutes(5));
        SessionAdoption other = adoption("other-1", Duration.ofNanos(1));

        other.adopt();

        assertThat(recovered).isEmpty();
        Session stored = stored(session.recordingId());
        assertThat(stored.owner()).isEqualTo("alive-1");
        assertThat(stored.version()).isEqualTo(session.version());
        assertThat(alive.moveTo(session, new SessionState.Stopping(Instant.now()))).isTrue();
    }

    @Test
    void aSchedulerThatRenewsItsLeaseBetweenTheLookAndTheClaimKeepsItsSession() {
        Sessions back = sessions("back-1");
        Session session = remote(back, "on");
        leases.renew("back-1", EXPIRED);
        List<LeaseTable.Orphan> orphans = leases.orphans("other-2", false);
        assertThat(orphans).extracting(o -> o.session().recordingId()).containsExactly(session.recordingId());

        leases.renew("back-1", Duration.ofMinutes(5));

        assertThat(leases.claim(session.recordingId(), "back-1", session.version(), "other-2")).isFalse();
        assertThat(stored(session.recordingId()).owner()).isEqualTo("back-1");
    }

    @Test
    void sessionsThatEndedAreNeverAdopted() {
        Sessions gone = sessions("gone-2");
        Session done = remote(gone, "on");
        gone.moveTo(done, new SessionState.Stopping(Instant.now()));
        gone.moveTo(done, new SessionState.Finalizing(Instant.now(), "stopped"));
        gone.moveTo(done, new SessionState.Done(Instant.now()));
        Session failed = remote(gone, "starting");
        gone.moveTo(failed, new SessionState.Failed(Instant.now(), SessionFailure.other("refused", true)));
        leases.renew("gone-2", EXPIRED);

        adoption("other-3", Duration.ofNanos(1)).adopt();

        assertThat(recovered).isEmpty();
        for (Session ended : List.of(done, failed)) {
            Session stored = stored(ended.recordingId());
            assertThat(stored.owner()).isEqualTo("gone-2");
            assertThat(stored.version()).isEqualTo(ended.version());
            assertThat(leases.claim(ended.recordingId(), "gone-2", ended.version(), "other-3")).isFalse();
        }
    }

    @Test
    void theSessionsOfASchedulerThatNeverHeldALeaseAreAdoptedOnlyAfterTheGrace() {
        Sessions old = sessions("before-leases");
        Session session = remote(old, "on");

        adoption("patient", Duration.ofMinutes(5)).adopt();
        assertThat(recovered).as("within the grace").isEmpty();
        assertThat(stored(session.recordingId()).owner()).isEqualTo("before-leases");

        adoption("past-grace", Duration.ofNanos(1)).adopt();
        assertThat(recovered).singleElement().satisfies(one -> {
            assertThat(one.by()).isEqualTo("past-grace");
            assertThat(one.session().recordingId()).isEqualTo(session.recordingId());
        });
        assertThat(adoptedEvents).singleElement().satisfies(event -> assertThat(event.goneSince()).isEmpty());
        assertThat(stored(session.recordingId()).owner()).isEqualTo("past-grace");
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private Sessions sessions(String instance) {
        return byInstance.computeIfAbsent(instance, name -> new Sessions(event -> {
        }, jdbc, new ObjectMapper(), new SchedulerInstance(name)));
    }

    private Sessions sessionsOf(String instance) {
        return byInstance.get(instance);
    }

    /** A scheduler of that name with its own live lease; its fleet follows what it adopts by recording it. */
    private SessionAdoption adoption(String instance, Duration unleasedGrace) {
        Sessions sessions = sessions(instance);
        InstanceProperties properties = new InstanceProperties(instance,
                new InstanceProperties.Lease(Duration.ofSeconds(10), Duration.ofSeconds(5), unleasedGrace));
        SchedulerLease lease = new SchedulerLease(jdbc, new ObjectMapper(), new SchedulerInstance(instance),
                properties);
        opened.add(lease);
        StaticListableBeanFactory beans = new StaticListableBeanFactory();
        beans.addBean("fleet", (SessionRecovery) session -> recovered.add(new Recovered(instance, session)));
        // No local session here: the embedded node's recordings are not needed.
        SessionTakeover takeover = new SessionTakeover(new SessionDriver(sessions), null, beans.getBeanProvider(SessionRecovery.class));
        SessionAdoption adoption = new SessionAdoption(sessions, jdbc, new ObjectMapper(), lease, takeover,
                event -> {
                    if (event instanceof SessionAdopted adopted) {
                        adoptedEvents.add(adopted);
                    }
                }, properties);
        opened.add(adoption);
        return adoption;
    }

    /** A session on a fleet node, filed by that scheduler and moved to {@code state}. */
    private static Session remote(Sessions owner, String state) {
        RecordingId id = RecordingId.generate();
        Instant now = Instant.now();
        Session session = new Session(id, "rest", Optional.empty(), Mode.FILE, "https://meet.example.com/Room",
                Map.of(), now, new SessionState.Requested(now), "", "{\"id\":\"" + id.value() + "\"}");
        owner.add(session);
        owner.assign(session, "node-a", 1, id, new SessionState.Starting(now));
        if (!state.equals("starting")) {
            owner.moveTo(session, new SessionState.Pending(now));
            owner.moveTo(session, new SessionState.On(now));
        }
        if (state.equals("stopping")) {
            owner.moveTo(session, new SessionState.Stopping(now));
        }
        assertThat(session.state().name()).isEqualTo(state);
        return session;
    }

    private Session stored(RecordingId id) {
        return new SessionTable(jdbc, new ObjectMapper()).find(id).orElseThrow();
    }
}
