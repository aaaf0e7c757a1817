package dev.capstan.scheduler.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.plan.Mode;
import dev.capstan.storage.archive.RecordingId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Sessions in the database, run against each database Capstan supports: what is filed reads back the same from
 * another scheduler, every filing and move is one event, and of two schedulers moving the same session exactly
 * one succeeds.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SessionsContract {

    private static final Instant BASE = Instant.parse("2025-06-01T10:00:00.123456Z");
    private static final int RACES = 20;
    private static final AtomicInteger REQUESTS = new AtomicInteger();

    private MigratedDatabase database;
    private JdbcClient jdbc;
    /** Scheduler a and scheduler b on one database, each with its own events. */
    private Sessions a;
    private Sessions b;
    private final List<SessionChanged> eventsOfA = new CopyOnWriteArrayList<>();
    private final List<SessionChanged> eventsOfB = new CopyOnWriteArrayList<>();

    /** The kind of database the contract runs on. */
    abstract MigratedDatabase.Kind database();

    @BeforeAll
    void open() throws Exception {
        database = MigratedDatabase.open(database());
        jdbc = database.jdbc();
        a = scheduler("scheduler-a", eventsOfA);
        b = scheduler("scheduler-b", eventsOfB);
    }

    private Sessions scheduler(String name, List<SessionChanged> events) {
        return new Sessions(event -> events.add((SessionChanged) event), jdbc, new ObjectMapper(),
                new SchedulerInstance(name));
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
        eventsOfA.clear();
        eventsOfB.clear();
    }

    // ---- Persistence ------------------------------------------------------------------------------------------

    @Test
    void whatOneSchedulerFilesAndMovesReadsBackTheSameFromAnother() {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("file_recording_metadata", Map.of("upload_credentials", Map.of("service_name", "dropbox")));
        metadata.put("ticket", 4711);
        metadata.put("note", null);
        Session filed = new Session(RecordingId.generate(), "xmpp:prod/127.0.0.1/node-1", Optional.of("jicofo-42"),
                Mode.BOTH, "https://meet.example.com/Standup", metadata, BASE, new SessionState.Requested(BASE), "",
                "{\"streams\":[\"rtmp://live.example.com/app/****\"]}");
        a.add(filed);
        RecordingId part2 = RecordingId.generate();
        assertThat(a.assign(filed, "rec-1", 1, filed.recordingId(), new SessionState.Starting(BASE.plusSeconds(1))))
                .isTrue();
        assertThat(a.moveTo(filed, new SessionState.Pending(BASE.plusSeconds(2)))).isTrue();
        assertThat(a.moveTo(filed, new SessionState.On(BASE.plusSeconds(3)))).isTrue();
        assertThat(a.assign(filed, "rec-2", 2, part2, new SessionState.Starting(BASE.plusSeconds(4)))).isTrue();

        Session read = b.find(filed.recordingId()).orElseThrow();
        assertThat(read).isNotSameAs(filed);
        assertThat(read.recordingId()).isEqualTo(filed.recordingId());
        assertThat(read.origin()).isEqualTo("xmpp:prod/127.0.0.1/node-1");
        assertThat(read.sessionId()).hasValue("jicofo-42");
        assertThat(read.mode()).isEqualTo(Mode.BOTH);
        assertThat(read.meeting()).isEqualTo("https://meet.example.com/Standup");
        assertThat(read.metadata()).isEqualTo(metadata);
        assertThat(read.requestedAt()).isEqualTo(BASE);
        assertThat(read.state()).isEqualTo(new SessionState.Starting(BASE.plusSeconds(4)));
        assertThat(read.node()).isEqualTo("rec-2");
        assertThat(read.part()).isEqualTo(2);
        assertThat(read.partId()).isEqualTo(part2);
        assertThat(read.plan()).isEqualTo("{\"streams\":[\"rtmp://live.example.com/app/****\"]}");
        assertThat(read.owner()).isEqualTo("scheduler-a").isEqualTo(filed.owner());
        assertThat(read.version()).isEqualTo(4).isEqualTo(filed.version());
    }

    @Test
    void aPausedSessionReadsBackPausedWhereItsMediaStoodAndOnAgainWithout() {
        Session session = embedded(BASE);
        a.add(session);
        assertThat(a.moveTo(session, new SessionState.On(BASE.plusSeconds(1)))).isTrue();
        SessionState.Paused paused = new SessionState.Paused(BASE.plusSeconds(9), Duration.ofMillis(7_875));
        assertThat(a.moveTo(session, paused)).isTrue();
        assertThat(b.find(session.recordingId()).orElseThrow().state()).isEqualTo(paused);
        assertThat(a.moveTo(session, new SessionState.On(BASE.plusSeconds(14)))).isTrue();
        assertThat(b.find(session.recordingId()).orElseThrow().state())
                .isEqualTo(new SessionState.On(BASE.plusSeconds(14)));
        assertThat(jdbc.sql("select paused_position_ms from session where recording_id = :id")
                .param("id", session.recordingId().value()).query(Long.class).optional()).isEmpty();
    }

    @Test
    void anEmbeddedSessionIsFiledPendingAsPartOneOnTheLocalNode() {
        Session filed = embedded(BASE);
        a.add(filed);
        Session read = b.find(filed.recordingId()).orElseThrow();
        assertThat(read.state()).isEqualTo(new SessionState.Pending(BASE));
        assertThat(read.node()).isEqualTo(Session.LOCAL);
        assertThat(read.part()).isEqualTo(1);
        assertThat(read.partId()).isEqualTo(filed.recordingId());
        assertThat(read.plan()).isEmpty();
        assertThat(read.sessionId()).isEmpty();
        assertThat(read.metadata()).isEmpty();
    }

    @Test
    void aFailureKeepsItsReasonAndWhetherItIsRetryable() {
        Session failed = embedded(BASE);
        a.add(failed);
        SessionFailure notJoined = new SessionFailure(FailureReason.NOT_JOINED, "the browser could not join", true);
        a.moveTo(failed, new SessionState.Failed(BASE.plusSeconds(1), notJoined));
        Session finalizing = embedded(BASE);
        a.add(finalizing);
        a.moveTo(finalizing, new SessionState.Finalizing(BASE.plusSeconds(2), "stopped by the requester"));

        assertThat(b.find(failed.recordingId()).orElseThrow().state())
                .as("the reason survives the row").isEqualTo(new SessionState.Failed(BASE.plusSeconds(1), notJoined));
        assertThat(b.find(finalizing.recordingId()).orElseThrow().state())
                .isEqualTo(new SessionState.Finalizing(BASE.plusSeconds(2), "stopped by the requester"));
    }

    @Test
    void aSessionIdCanBeFiledOnce() {
        Session filed = embedded(BASE);
        a.add(filed);
        Session again = new Session(filed.recordingId(), "rest", Optional.empty(), Mode.FILE, "https://x.example/",
                Map.of(), BASE);
        assertThatThrownBy(() -> b.add(again)).isInstanceOf(DuplicateKeyException.class);
        assertThat(eventsOfB).isEmpty();
        assertThat(b.find(filed.recordingId()).orElseThrow().owner()).isEqualTo("scheduler-a");
    }

    // ---- Events and the live objects --------------------------------------------------------------------------

    @Test
    void everyFilingAndMoveIsOneEventAndRefusedMovesNone() {
        Session session = embedded(BASE);
        a.add(session);
        SessionState on = new SessionState.On(BASE.plusSeconds(1));
        SessionState finalizing = new SessionState.Finalizing(BASE.plusSeconds(5), "stopped");
        SessionState done = new SessionState.Done(BASE.plusSeconds(6));
        assertThat(a.moveTo(session, on)).isTrue();
        assertThat(a.moveTo(session, new SessionState.Pending(BASE.plusSeconds(2)))).as("on -> pending").isFalse();
        assertThat(a.moveTo(session, finalizing)).isTrue();
        assertThat(a.moveTo(session, done)).isTrue();
        assertThat(a.moveTo(session, new SessionState.Failed(BASE.plusSeconds(7),
                SessionFailure.other("late", false))))
                .as("a late failure after done").isFalse();

        assertThat(eventsOfA).extracting(SessionChanged::session).containsOnly(session);
        assertThat(eventsOfA).extracting(SessionChanged::previous).containsExactly(Optional.empty(),
                Optional.of(new SessionState.Pending(BASE)), Optional.of(on), Optional.of(finalizing));
        assertThat(eventsOfA).extracting(SessionChanged::state).containsExactly(new SessionState.Pending(BASE), on,
                finalizing, done);
        assertThat(eventsOfB).isEmpty();
        assertThat(b.find(session.recordingId()).orElseThrow().state()).isEqualTo(done);
    }

    @Test
    void theSchedulerThatDrivesASessionKeepsTheSameObjectUntilItEnds() {
        Session session = embedded(BASE);
        a.add(session);
        assertThat(a.find(session.recordingId())).containsSame(session);
        assertThat(a.list()).containsExactly(session);
        assertThat(a.active()).containsExactly(session);
        assertThat(b.find(session.recordingId()).orElseThrow()).isNotSameAs(session);

        a.moveTo(session, new SessionState.Failed(BASE.plusSeconds(1), SessionFailure.other("crashed", true)));
        Session ended = a.find(session.recordingId()).orElseThrow();
        assertThat(ended).as("an ended session is read from its row").isNotSameAs(session);
        assertThat(ended.state()).isEqualTo(session.state());
    }

    @Test
    void theListShowsRunningSessionsOldestFirstThenEndedOnesNewestFirstOfEveryScheduler() {
        Session runningOld = embedded(BASE);
        Session runningNew = embedded(BASE.plusSeconds(10));
        Session endedEarly = embedded(BASE.minusSeconds(100));
        Session endedLate = embedded(BASE.minusSeconds(50));
        b.add(runningNew);
        a.add(endedLate);
        a.add(runningOld);
        b.add(endedEarly);
        a.moveTo(endedLate, new SessionState.Failed(BASE.plusSeconds(30), SessionFailure.other("no media", true)));
        b.moveTo(endedEarly, new SessionState.Failed(BASE.plusSeconds(20), SessionFailure.other("busy", true)));

        List<RecordingId> expected = List.of(runningOld.recordingId(), runningNew.recordingId(),
                endedLate.recordingId(), endedEarly.recordingId());
        assertThat(a.list()).extracting(Session::recordingId).containsExactlyElementsOf(expected);
        assertThat(b.list()).extracting(Session::recordingId).containsExactlyElementsOf(expected);
        assertThat(a.list().get(0)).isSameAs(runningOld);
        assertThat(b.list().get(1)).isSameAs(runningNew);
    }

    @Test
    void theListKeepsTheLatestEndedSessions() {
        for (int i = 0; i < Sessions.ENDED_LISTED + 5; i++) {
            Session session = embedded(BASE.plusSeconds(i));
            a.add(session);
            a.moveTo(session, new SessionState.Failed(BASE.plusSeconds(i + 1),
                    SessionFailure.other("failed " + i, false)));
        }
        List<Session> list = b.list();
        assertThat(list).hasSize(Sessions.ENDED_LISTED);
        assertThat(((SessionState.Failed) list.get(0).state()).failure().text()).isEqualTo("failed " + (Sessions.ENDED_LISTED + 4));
        assertThat(((SessionState.Failed) list.get(list.size() - 1).state()).failure().text()).isEqualTo("failed 5");
    }

    @Test
    void activeSessionsOfEverySchedulerAreListed() {
        Session onOne = placed(a, "rec-1");
        Session alsoOnOne = placed(b, "rec-1");
        Session onTwo = placed(a, "rec-2");
        Session endedOnOne = placed(a, "rec-1");
        a.moveTo(endedOnOne, new SessionState.Failed(Instant.now(), SessionFailure.other("node died", true)));

        assertThat(b.active()).extracting(Session::recordingId)
                .containsExactly(onOne.recordingId(), alsoOnOne.recordingId(), onTwo.recordingId());
        assertThat(a.active().get(0)).isSameAs(onOne);
        assertThat(b.active().get(1)).isSameAs(alsoOnOne);
    }

    // ---- Placement --------------------------------------------------------------------------------------------

    @Test
    void assigningPlacesAndMovesInOneStepAlongTheLifeCycleOnly() {
        Session session = requested(a);
        assertThat(a.assign(session, "rec-1", 1, session.recordingId(), new SessionState.On(BASE)))
                .as("requested -> on").isFalse();
        assertThat(session.node()).isEmpty();
        assertThat(a.assign(session, "rec-1", 1, session.recordingId(), new SessionState.Starting(BASE))).isTrue();
        // The node refused it: it is placed again while still starting.
        assertThat(a.assign(session, "rec-2", 1, session.recordingId(), new SessionState.Starting(BASE))).isTrue();
        assertThat(a.moveTo(session, new SessionState.Starting(BASE))).as("starting -> starting unplaced").isFalse();
        assertThat(a.moveTo(session, new SessionState.Pending(BASE))).isTrue();
        assertThat(a.moveTo(session, new SessionState.On(BASE))).isTrue();
        RecordingId part2 = RecordingId.generate();
        assertThat(a.assign(session, "rec-3", 2, part2, new SessionState.Starting(BASE))).as("failover").isTrue();
        assertThatThrownBy(() -> a.assign(session, "rec-3", 0, part2, new SessionState.Pending(BASE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("from 1");

        Session read = b.find(session.recordingId()).orElseThrow();
        assertThat(read.node()).isEqualTo("rec-3");
        assertThat(read.part()).isEqualTo(2);
        assertThat(read.partId()).isEqualTo(part2);
        assertThat(eventsOfA).extracting(event -> event.state().name())
                .containsExactly("requested", "starting", "starting", "pending", "on", "starting");
    }

    // ---- Jicofo's retries -------------------------------------------------------------------------------------

    @Test
    void aJicofoRetryTakesTheUnfinishedSessionOverAsItsNextPartAndOnlyOneProcessWins() {
        Session recording = new Session(RecordingId.generate(), "xmpp:prod/127.0.0.1/node-a-1",
                Optional.of("jicofo-7"), Mode.FILE, "https://meet.example.com/standup", Map.of(), BASE);
        a.add(recording);
        a.moveTo(recording, new SessionState.On(BASE.plusSeconds(1)));
        Session rest = embedded(BASE.plusSeconds(2));
        a.add(rest);
        eventsOfB.clear();

        Session found = b.unfinishedFromJicofo("jicofo-7").orElseThrow();
        Session stale = b.unfinishedFromJicofo("jicofo-7").orElseThrow();
        assertThat(found.recordingId()).isEqualTo(recording.recordingId());
        RecordingId part2 = RecordingId.generate();
        assertThat(b.takeOver(found, Session.LOCAL, 2, part2)).isTrue();
        assertThat(b.takeOver(stale, Session.LOCAL, 2, RecordingId.generate())).as("taken already").isFalse();
        assertThat(stale.owner()).as("the loser sees the winner").isEqualTo("scheduler-b");

        Session row = scheduler("scheduler-c", new ArrayList<>()).find(recording.recordingId()).orElseThrow();
        assertThat(row.owner()).isEqualTo("scheduler-b");
        assertThat(row.state()).isInstanceOf(SessionState.Pending.class);
        assertThat(row.part()).isEqualTo(2);
        assertThat(row.partId()).isEqualTo(part2);
        assertThat(b.find(recording.recordingId())).containsSame(found);
        assertThat(eventsOfB).singleElement().satisfies(event -> {
            assertThat(event.previous()).contains(new SessionState.On(BASE.plusSeconds(1)));
            assertThat(event.state().name()).isEqualTo("pending");
        });
        assertThat(a.moveTo(recording, new SessionState.Stopping(BASE.plusSeconds(3))))
                .as("the earlier owner no longer moves it").isFalse();
        assertThat(b.moveTo(found, new SessionState.On(BASE.plusSeconds(4)))).isTrue();

        assertThat(b.unfinishedFromJicofo("no-such-session")).isEmpty();
        b.moveTo(found, new SessionState.Stopping(BASE.plusSeconds(5)));
        assertThat(a.takeOver(a.find(recording.recordingId()).orElseThrow(), Session.LOCAL, 3,
                RecordingId.generate())).as("a stopping session is not continued").isFalse();
        b.moveTo(found, new SessionState.Finalizing(BASE.plusSeconds(6), "stopped"));
        b.moveTo(found, new SessionState.Done(BASE.plusSeconds(7)));
        assertThat(a.unfinishedFromJicofo("jicofo-7")).as("an ended session is not retried").isEmpty();
    }

    // ---- Two schedulers ---------------------------------------------------------------------------------------

    @Test
    void ofTwoSchedulersMovingTheSameSessionExactlyOneWins() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int race = 0; race < RACES; race++) {
                Session driven = embedded(BASE);
                a.add(driven);
                a.moveTo(driven, new SessionState.On(BASE.plusSeconds(1)));
                Session seenByB = b.find(driven.recordingId()).orElseThrow();
                SessionState stopping = new SessionState.Stopping(BASE.plusSeconds(2));
                SessionState failed = new SessionState.Failed(BASE.plusSeconds(2),
                        SessionFailure.other("stopped elsewhere", false));
                eventsOfA.clear();
                eventsOfB.clear();

                List<Boolean> won = race(threads, () -> a.moveTo(driven, stopping), () -> b.moveTo(seenByB, failed));

                assertThat(won).as("race %d: who moved", race).containsExactlyInAnyOrder(true, false);
                SessionState winner = won.get(0) ? stopping : failed;
                Session row = b.find(driven.recordingId()).orElseThrow();
                assertThat(row.state()).isEqualTo(winner);
                assertThat(row.version()).isEqualTo(2);
                // The loser now sees where the session is.
                assertThat(driven.state()).isEqualTo(winner);
                assertThat(seenByB.state()).isEqualTo(winner);
                assertThat(eventsOfA.size() + eventsOfB.size()).as("events").isEqualTo(1);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private static Session embedded(Instant requestedAt) {
        return new Session(RecordingId.generate(), "rest", Optional.empty(), Mode.FILE, "https://meet.example.com/room",
                Map.of(), requestedAt);
    }

    /** A session {@code requested} now (later than the one before), filed by {@code scheduler}. */
    private static Session requested(Sessions scheduler) {
        Instant now = BASE.plusMillis(REQUESTS.incrementAndGet());
        Session session = new Session(RecordingId.generate(), "rest", Optional.empty(), Mode.FILE,
                "https://meet.example.com/room", Map.of(), now, new SessionState.Requested(now), "", "{}");
        scheduler.add(session);
        return session;
    }

    /** A session {@code on} at {@code node}, filed by {@code scheduler}. */
    private static Session placed(Sessions scheduler, String node) {
        Session session = requested(scheduler);
        Instant now = session.requestedAt();
        assertThat(scheduler.assign(session, node, 1, session.recordingId(), new SessionState.Starting(now))).isTrue();
        assertThat(scheduler.moveTo(session, new SessionState.Pending(now))).isTrue();
        assertThat(scheduler.moveTo(session, new SessionState.On(now))).isTrue();
        return session;
    }

    /** Runs both at once (as near as two threads get) and returns their results in order. */
    private static <T> List<T> race(ExecutorService threads, Callable<T> first, Callable<T> second) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> task : List.of(first, second)) {
            futures.add(threads.submit(() -> {
                start.await(10, TimeUnit.SECONDS);
                return task.call();
            }));
        }
        List<T> results = new ArrayList<>();
        for (Future<T> future : futures) {
            results.add(future.get(30, TimeUnit.SECONDS));
        }
        return results;
    }
}
