package dev.capstan.scheduler.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariDataSource;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.scheduler.CapstanApplication;
import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.scheduler.plan.Mode;
import dev.capstan.storage.archive.LossCause;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.fixture.LoopbackPort;
import dev.capstan.storage.spool.SegmentLayout;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A scheduler killed with {@code kill -9} while it records leaves its session in the database; the next process of
 * the same instance, on the same database and spool, picks it up: the session finalizes and is done, and the
 * catalog holds what was recorded as a partial recording that plays. Sessions that had not started yet fail
 * (retryable), and those on another node go to the fleet's {@link SessionRecovery}.
 *
 * <p>Run 1 is a separate JVM so that it can really be killed; its displays, browser and encoder die with it
 * (parent-death signal). Run 2 is an application context in this JVM. The database is the default embedded H2 file.
 *
 * <p>A scheduler that never comes back is the other case: another scheduler on the same database and store, with
 * its own spool, adopts its session once its lease has expired and finishes it from what reached the store.
 */
@Tag("media")
class RestartPickupTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String INSTANCE = "restart-test";

    @TempDir
    Path work;

    @Test
    void aSessionLeftByAKilledSchedulerIsFinishedByTheNextAsAPartialRecording() throws Exception {
        Path spool = work.resolve("spool");
        String database = "jdbc:h2:file:" + work.resolve("data/catalog") + ";DB_CLOSE_ON_EXIT=FALSE";
        List<String> common = List.of("--spring.datasource.url=" + database, "--capstan.archive.spool=" + spool,
                "--capstan.archive.local.root=" + work.resolve("recordings"), "--capstan.instance-name=" + INSTANCE,
                "--capstan.node.slots=1", "--capstan.jibri.http-api.enabled=false");

        // ---- Run 1: record the demo page over REST, then kill -9 the whole process while it records. ----
        int port = LoopbackPort.free();
        Process first = launch(port, common, work.resolve("run-1.log"));
        RecordingId id;
        long onSeen = 0;
        long killed;
        try {
            awaitUp(first, port, Duration.ofSeconds(120));
            HttpResponse<String> created = start(port, Duration.ofSeconds(60));
            assertThat(created.statusCode()).as("POST /api/v1/recordings: %s", created.body()).isEqualTo(201);
            id = RecordingId.of(JSON.readTree(created.body()).at("/id").asText());
            JsonNode on = awaitSession(port, id, Duration.ofSeconds(60), session -> session.at("/state").asText()
                    .equals("on"));
            assertThat(on.at("/origin").asText()).isEqualTo("rest");
            onSeen = System.nanoTime();
            Thread.sleep(7_000);
        } finally {
            killed = System.nanoTime();
            first.destroyForcibly();
            assertThat(first.waitFor(20, TimeUnit.SECONDS)).as("run 1 ended").isTrue();
        }
        assertThat(first.exitValue()).as("run 1 was killed (128 + SIGKILL)").isEqualTo(137);
        awaitNoEncoderWritingInto(spool, Duration.ofSeconds(10));
        Path recordingDirectory = spool.resolve(id.value());
        int segments = SegmentLayout.completedSegments(recordingDirectory).size();
        assertThat(segments).as("segments left in %s", recordingDirectory).isGreaterThanOrEqualTo(2);

        // What run 1 left in the database besides: a session that had not started, one on another node.
        Session notStarted;
        Session elsewhere;
        try (HikariDataSource dataSource = new HikariDataSource()) {
            dataSource.setJdbcUrl(database);
            dataSource.setUsername("sa");
            Sessions run1 = new Sessions(event -> { }, JdbcClient.create(dataSource), JSON,
                    new SchedulerInstance(INSTANCE));
            assertThat(run1.find(id).orElseThrow().state().name()).as("the killed session's row").isEqualTo("on");
            notStarted = new Session(RecordingId.generate(), "rest", Optional.empty(), Mode.FILE, "https://x.example/",
                    Map.of(), Instant.now(), new SessionState.Requested(Instant.now()), "", "{}");
            run1.add(notStarted);
            run1.assign(notStarted, Session.LOCAL, 1, notStarted.recordingId(),
                    new SessionState.Starting(Instant.now()));
            elsewhere = new Session(RecordingId.generate(), "rest", Optional.empty(), Mode.FILE, "https://y.example/",
                    Map.of(), Instant.now(), new SessionState.Requested(Instant.now()), "", "{\"url\":\"y\"}");
            run1.add(elsewhere);
            run1.assign(elsewhere, "rec-2", 1, elsewhere.recordingId(), new SessionState.Starting(Instant.now()));
            run1.moveTo(elsewhere, new SessionState.Pending(Instant.now()));
        }

        // ---- Run 2: the same instance on the same database and spool. ----
        List<Session> recovered = new CopyOnWriteArrayList<>();
        SpringApplication application = new SpringApplication(CapstanApplication.class);
        application.addInitializers(context -> context.getBeanFactory().registerSingleton("testRecovery",
                (SessionRecovery) recovered::add));
        List<String> arguments = new ArrayList<>(common);
        arguments.add("--server.port=0");
        long restart = System.nanoTime();
        ConfigurableApplicationContext second = application.run(arguments.toArray(String[]::new));
        try {
            Sessions sessions = second.getBean(Sessions.class);
            Session session = sessions.find(id).orElseThrow();
            await("the killed session settled").atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(100)).until(() -> session.state().isFinal());
            System.out.println("restart to done: " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restart)
                    + " ms");
            assertThat(session.state()).as("%s", session).isInstanceOf(SessionState.Done.class);
            assertThat(session.owner()).isEqualTo(INSTANCE);

            RecordingEntry entry = second.getBean(RecordingArchive.class).catalog().find(id).orElseThrow();
            assertThat(entry.status()).isEqualTo(RecordingStatus.PARTIAL);
            assertThat(entry.statusDetail().orElseThrow()).startsWith("interrupted by a restart; recorder-restarted: ");
            // The estimate is what the encoder wrote after its last complete segment (it may write on for a moment
            // after its parent died): with what was kept, no more than the time it was on before the kill.
            assertThat(entry.loss().orElseThrow().cause()).isEqualTo(LossCause.RECORDER_RESTARTED);
            double onForSeconds = (killed - onSeen) / 1e9;
            assertThat(entry.loss().orElseThrow().lostSeconds()).isGreaterThanOrEqualTo(0.0)
                    .isLessThanOrEqualTo(onForSeconds + 2 - entry.duration().orElseThrow().toMillis() / 1000.0);
            System.out.println("restart: lost " + entry.loss().orElseThrow().lostSeconds() + " s of "
                    + entry.duration().orElseThrow().toMillis() / 1000.0 + " s kept");
            assertThat(entry.room()).hasValue("restart-room");

            int secondPort = second.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            JsonNode listed = session(secondPort, id).orElseThrow();
            assertThat(listed.at("/state").asText()).isEqualTo("done");

            // What was recorded before the kill plays.
            Path file = work.resolve(id + ".mp4");
            HttpResponse<Path> media = HTTP.send(HttpRequest.newBuilder(uri(secondPort,
                    "/api/v1/recordings/" + id + "/media")).build(), HttpResponse.BodyHandlers.ofFile(file));
            assertThat(media.statusCode()).isEqualTo(200);
            MediaReport report = MediaReport.of(file);
            System.out.println("partial recording: " + report);
            assertThat(report.duration()).as("seconds kept of the ~7 s recorded").isBetween(2.0 * segments - 2.5,
                    2.0 * segments + 0.5).isGreaterThanOrEqualTo(3.5);
            assertThat(report.duration()).as("the file's duration is the catalog's")
                    .isCloseTo(entry.duration().orElseThrow().toMillis() / 1000.0,
                            org.assertj.core.api.Assertions.within(0.1));
            assertThat(report.width()).isEqualTo(1280);
            assertThat(report.hasPicture()).isTrue();

            // The session that had not started yet cannot go on; the one on another node is the fleet's.
            SessionState failed = sessions.find(notStarted.recordingId()).orElseThrow().state();
            assertThat(failed).isInstanceOfSatisfying(SessionState.Failed.class, state -> {
                assertThat(state.failure().text()).isEqualTo(RestartPickup.NOT_STARTED);
                assertThat(state.retryable()).isTrue();
            });
            assertThat(recovered).extracting(Session::recordingId).containsExactly(elsewhere.recordingId());
            assertThat(recovered.get(0)).isSameAs(sessions.find(elsewhere.recordingId()).orElseThrow());
            assertThat(recovered.get(0).state().name()).isEqualTo("pending");
            assertThat(recovered.get(0).node()).isEqualTo("rec-2");
            assertThat(recovered.get(0).plan()).isEqualTo("{\"url\":\"y\"}");
        } finally {
            second.close();
        }
    }

    @Test
    void aSessionOfASchedulerGoneForGoodIsFinishedByAnotherFromWhatReachedTheStore() throws Exception {
        String database = "jdbc:h2:file:" + work.resolve("data/catalog") + ";DB_CLOSE_ON_EXIT=FALSE";
        // Two schedulers on one database and store, each with its own spool: as on two hosts.
        List<String> shared = List.of("--spring.datasource.url=" + database,
                "--capstan.archive.local.root=" + work.resolve("recordings"), "--capstan.archive.shared-catalog=true",
                "--capstan.node.slots=1", "--capstan.jibri.http-api.enabled=false");

        // ---- Scheduler "gone-host" records on its embedded node, then dies for good. ----
        List<String> goneArguments = new ArrayList<>(shared);
        goneArguments.addAll(List.of("--capstan.archive.spool=" + work.resolve("spool-gone"),
                "--capstan.instance-name=gone-host", "--capstan.instance.lease-term=3s"));
        int port = LoopbackPort.free();
        Process gone = launch(port, goneArguments, work.resolve("gone-host.log"));
        RecordingId id;
        long onSeen;
        long killed;
        try {
            awaitUp(gone, port, Duration.ofSeconds(120));
            HttpResponse<String> created = start(port, Duration.ofSeconds(60));
            assertThat(created.statusCode()).as("POST /api/v1/recordings: %s", created.body()).isEqualTo(201);
            id = RecordingId.of(JSON.readTree(created.body()).at("/id").asText());
            RecordingId recording = id;
            Awaitility.await("session " + id + " on").atMost(Duration.ofSeconds(60))
                    .until(() -> session(port, recording).filter(s -> s.at("/state").asText().equals("on"))
                            .isPresent());
            onSeen = System.nanoTime();
            Thread.sleep(7_000);
        } finally {
            killed = System.nanoTime();
            gone.destroyForcibly();
            assertThat(gone.waitFor(20, TimeUnit.SECONDS)).as("gone-host ended").isTrue();
        }
        awaitNoEncoderWritingInto(work.resolve("spool-gone"), Duration.ofSeconds(10));

        // ---- Scheduler "survivor", on its own spool: it adopts the session once gone-host's lease expired. ----
        List<String> survivorArguments = new ArrayList<>(shared);
        survivorArguments.addAll(List.of("--capstan.archive.spool=" + work.resolve("spool-survivor"),
                "--capstan.instance-name=survivor", "--capstan.instance.adoption-interval=1s", "--server.port=0"));
        ConfigurableApplicationContext survivor = new SpringApplication(CapstanApplication.class)
                .run(survivorArguments.toArray(String[]::new));
        try {
            Sessions sessions = survivor.getBean(Sessions.class);
            RecordingId recording = id;
            Awaitility.await("session " + id + " adopted and ended").atMost(Duration.ofSeconds(60))
                    .until(() -> sessions.find(recording).map(s -> s.state().isFinal()).orElse(false));
            Session session = sessions.find(id).orElseThrow();
            assertThat(session.state()).as("%s", session).isInstanceOf(SessionState.Done.class);
            assertThat(session.owner()).isEqualTo("survivor");

            // gone-host's spool is out of reach: what reached the store was salvaged, as a partial recording.
            RecordingEntry entry = survivor.getBean(RecordingArchive.class).catalog().find(id).orElseThrow();
            assertThat(entry.status()).isEqualTo(RecordingStatus.PARTIAL);
            assertThat(entry.statusDetail().orElseThrow()).contains("scheduler gone-host was gone");
            int survivorPort = survivor.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            Path file = work.resolve(id + "-adopted.mp4");
            HttpResponse<Path> media = HTTP.send(HttpRequest.newBuilder(uri(survivorPort,
                    "/api/v1/recordings/" + id + "/media")).build(), HttpResponse.BodyHandlers.ofFile(file));
            assertThat(media.statusCode()).isEqualTo(200);
            MediaReport report = MediaReport.of(file);
            System.out.println("adopted partial recording: " + report);
            double onForSeconds = (killed - onSeen) / 1e9;
            assertThat(report.duration()).as("what reached the store of the %.1f s it was on", onForSeconds)
                    .isGreaterThanOrEqualTo(3.5).isLessThanOrEqualTo(onForSeconds + 1);
            assertThat(report.hasPicture()).isTrue();
        } finally {
            survivor.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    /** The application in its own JVM, with this test's class path; its output goes to {@code log}. */
    private static Process launch(int port, List<String> arguments, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse(
                Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", classPath,
                CapstanApplication.class.getName(), "--server.port=" + port));
        command.addAll(arguments);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Starts the recording, trying again while the node is busy (its own start-up may still load the CPU). */
    private static HttpResponse<String> start(int port, Duration timeout) {
        return await("a start not refused with 503").atMost(timeout).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> HTTP.send(HttpRequest.newBuilder(uri(port, "/api/v1/recordings"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"url\":\"" + uri(port, "/demo")
                                + "\",\"room\":\"restart-room\"}")).build(), HttpResponse.BodyHandlers.ofString()),
                        answer -> answer.statusCode() != 503);
    }

    private static void awaitUp(Process process, int port, Duration timeout) {
        await("run 1 up").atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(250))
                .failFast("run 1 died (see its log)", () -> !process.isAlive())
                .ignoreExceptionsInstanceOf(ConnectException.class) // not listening yet
                .until(() -> HTTP.send(HttpRequest.newBuilder(uri(port, "/actuator/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    private static JsonNode awaitSession(int port, RecordingId id, Duration timeout, Predicate<JsonNode> condition) {
        return await("session " + id + " as expected").atMost(timeout).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> session(port, id), session -> session.isPresent() && condition.test(session.get()))
                .orElseThrow();
    }

    private static Optional<JsonNode> session(int port, RecordingId id) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(uri(port, "/api/v1/sessions")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        for (JsonNode session : JSON.readTree(answer.body())) {
            if (session.at("/recordingId").asText().equals(id.value())) {
                return Optional.of(session);
            }
        }
        return Optional.empty();
    }

    /** The encoder died with run 1 (parent-death signal) rather than writing on into the spool. */
    private static void awaitNoEncoderWritingInto(Path spool, Duration timeout) {
        await("no process writing into the spool").atMost(timeout).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                        .map(process -> process.info().commandLine().orElse(""))
                        .filter(line -> line.contains(spool.toString())).toList())
                        .as("processes still writing into %s", spool).isEmpty());
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
