package dev.capstan.scheduler.archive;

import static dev.capstan.scheduler.archive.ArchiveTestSupport.api;
import static dev.capstan.scheduler.archive.ArchiveTestSupport.download;
import static dev.capstan.scheduler.archive.ArchiveTestSupport.local;
import static dev.capstan.scheduler.archive.ArchiveTestSupport.sha256;
import static dev.capstan.scheduler.archive.ArchiveTestSupport.sleepUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.media.RecordingQuality;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.CapstanApplication;
import dev.capstan.scheduler.demo.DemoPageController;
import dev.capstan.scheduler.plan.Part;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.blob.S3BlobStore;
import dev.capstan.storage.fixture.PostgresServer;
import dev.capstan.storage.fixture.S3ProxyServer;
import dev.capstan.storage.spool.SegmentLayout;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A process restart with uploads pending resumes them, and nothing is lost; the catalog survives the restart on
 * PostgreSQL. Two runs of the whole application against one PostgreSQL, one S3 server and one spool directory:
 * the first records the demo page while the store goes down and stops with the upload still spooled; the second
 * finds the spooled upload, finishes it once the store is back, and the recording becomes READY.
 */
@Tag("media")
@ExtendWith(OutputCaptureExtension.class)
class ArchiveRestartTest {

    private static final String BUCKET = "recordings";
    private static final String ROOM = "restart-room";
    /**
     * Long enough that the first seconds, when the just-started JVM compiles and the fresh slot's page loads beside
     * the recording, are not most of it (10 s gave 1-6% repeated frames over runs, against a bar of 5%).
     */
    private static final double RECORDED_SECONDS = 16;

    @AutoClose
    private static PostgresServer postgres;
    @AutoClose
    private static S3ProxyServer s3;

    @TempDir
    Path work;

    @BeforeAll
    static void startServers() throws Exception {
        postgres = PostgresServer.start();
        s3 = S3ProxyServer.start();
    }

    private String[] arguments(Path spool) {
        return new String[] {
                "--server.port=0",
                "--capstan.node.slots=1",
                "--spring.datasource.url=" + postgres.jdbcUrl(),
                "--spring.datasource.username=" + postgres.username(),
                "--spring.datasource.password=" + postgres.password(),
                "--capstan.archive.store=s3",
                "--capstan.archive.s3.endpoint=" + s3.endpoint(),
                "--capstan.archive.s3.access-key=" + s3.accessKey(),
                "--capstan.archive.s3.secret-key=" + s3.secretKey(),
                "--capstan.archive.s3.bucket=" + BUCKET,
                "--capstan.archive.s3.prefix=capstan/",
                "--capstan.archive.s3.path-style=true",
                "--capstan.archive.s3.create-bucket=true",
                "--capstan.archive.spool=" + spool};
    }

    @Test
    void aRestartWithTheUploadPendingResumesItAndTheCatalogSurvivesOnPostgres(CapturedOutput output) throws Exception {
        Path spool = work.resolve("spool");
        RecordingId id = RecordingId.generate();
        Path recordingDirectory = spool.resolve(id.value());
        RecordingEntry before;
        JsonNode spooled;
        Set<Long> fixtures = Processes.running();

        // ---- Run 1: record ~16 s; the store dies after ~3 s of media; stop with the upload pending. ----
        ConfigurableApplicationContext first = SpringApplication.run(CapstanApplication.class, arguments(spool));
        try {
            int port = port(first);
            URI page = URI.create("http://127.0.0.1:" + port + DemoPageController.PATH);
            CompletableFuture<Long> firstFrame = new CompletableFuture<>();
            RecordingPlan plan = RecordingPlan.ofPage(id, ROOM, page, Optional.empty());
            Recording recording = first.getBean(Recordings.class).start(plan, Part.first(plan),
                            Duration.ofSeconds(90), event -> {
                                if (event instanceof SlotEvent.FirstFrameWritten) {
                                    firstFrame.complete(System.nanoTime());
                                }
                            })
                    .get(90, TimeUnit.SECONDS);
            long start = firstFrame.get(30, TimeUnit.SECONDS);
            try {
                sleepUntil(start, Duration.ofSeconds(3));
                s3.kill();
                sleepUntil(start, Duration.ofSeconds((long) RECORDED_SECONDS));
            } finally {
                recording.stop().get(20, TimeUnit.SECONDS);
            }

            // Sealed, but the final object cannot be made: the status says so.
            spooled = awaitApi(port, id, Duration.ofSeconds(30), view -> view.at("/status").asText().equals("UPLOADING")
                    && view.at("/upload/phase").asText().equals("FINISHING")
                    && view.at("/upload/spooling").asBoolean());
            // (The count is as of the spool's last attempt, which the backoff may have held back a few seconds.)
            assertThat(spooled.at("/upload/pendingSegments").asInt()).as("segments waiting on local disk: %s", spooled)
                    .isPositive();
            assertThat(spooled.at("/upload/lastError").asText()).isNotEmpty().doesNotContain(s3.secretKey());
            before = first.getBean(RecordingArchive.class).catalog().find(id).orElseThrow();
            assertThat(before.status()).isEqualTo(RecordingStatus.UPLOADING);
            assertThat(before.mediaKey()).isEmpty();
        } finally {
            first.close();
        }
        awaitNoProcessOtherThan(fixtures, "processes left by run 1");

        // The "process" is gone with its upload pending: the spool still holds the media and the journal.
        assertThat(recordingDirectory.resolve("upload.properties")).isRegularFile();
        Properties journal = new Properties();
        try (Reader in = Files.newBufferedReader(recordingDirectory.resolve("upload.properties"))) {
            journal.load(in);
        }
        assertThat(journal.getProperty("sealed")).isEqualTo("true");
        assertThat(journal.getProperty("complete")).isEqualTo("false");
        assertThat(SegmentLayout.init(recordingDirectory)).isRegularFile();
        List<Path> segments = SegmentLayout.completedSegments(recordingDirectory);
        assertThat(segments).as("segments left in %s", recordingDirectory).hasSizeGreaterThanOrEqualTo(4);
        int runOneEnd = output.getAll().length();

        // ---- Run 2: the store is back; the same database, spool and store. ----
        s3.restart();
        // What the store got from run 1: not the file, and not every segment (those are on local disk only).
        List<String> storedSegments;
        long initSize = Files.size(SegmentLayout.init(recordingDirectory));
        try (S3BlobStore direct = S3BlobStore.create(s3.settings(BUCKET, "capstan/"))) {
            List<BlobStore.BlobInfo> copies = direct.list(id + "/segments/");
            storedSegments = copies.stream().map(BlobStore.BlobInfo::key)
                    .filter(key -> SegmentLayout.isSegment(key.substring(key.lastIndexOf('/') + 1))).toList();
            // The live copies are only worth keeping with a complete header (FFmpeg writes init.mp4 late).
            assertThat(copies).as("segment copies in the store before the restart")
                    .filteredOn(blob -> blob.key().endsWith("/" + SegmentLayout.INIT))
                    .allSatisfy(blob -> assertThat(blob.size()).as("stored %s", blob.key())
                            .isEqualTo(initSize));
            assertThat(direct.list(id + "/")).as("objects of %s before the restart", id)
                    .allMatch(blob -> blob.key().startsWith(id + "/segments/"));
        }
        assertThat(storedSegments.size()).as("segments in the store before the restart, of %d", segments.size())
                .isLessThanOrEqualTo(segments.size() - 3);
        System.out.println("across the restart: " + segments.size() + " segments in the spool, " + storedSegments.size()
                + " of them in the store");
        fixtures = Processes.running();
        long restart = System.nanoTime();
        ConfigurableApplicationContext second = SpringApplication.run(CapstanApplication.class, arguments(spool));
        try {
            int port = port(second);
            RecordingArchive archive = second.getBean(RecordingArchive.class);
            RecordingEntry after = archive.settled(id).get(30, TimeUnit.SECONDS).orElseThrow();
            long readyMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restart);
            System.out.println("restart to READY: " + readyMillis + " ms");
            assertThat(after.status()).as("%s", after).isEqualTo(RecordingStatus.READY);
            assertThat(after.statusDetail()).isEmpty();

            // The catalog row of run 1 survived the restart unchanged.
            assertThat(after.room()).isEqualTo(before.room()).hasValue(ROOM);
            assertThat(after.meetingUrl()).isEqualTo(before.meetingUrl()).endsWith(DemoPageController.PATH);
            assertThat(after.startedAt()).isEqualTo(before.startedAt());
            assertThat(after.endedAt()).isEqualTo(before.endedAt()).isPresent();
            assertThat(after.duration()).isEqualTo(before.duration()).isPresent();
            assertThat(after.createdAt()).isEqualTo(before.createdAt());
            double seconds = after.duration().orElseThrow().toMillis() / 1000.0;
            assertThat(seconds).as("recorded length in the catalog").isCloseTo(RECORDED_SECONDS, within(1.0));

            JsonNode view = api(port, "/api/v1/recordings/" + id);
            assertThat(view.at("/status").asText()).isEqualTo("READY");
            assertThat(view.at("/room").asText()).isEqualTo(ROOM);
            assertThat(view.at("/startedAt").asText()).isEqualTo(spooled.at("/startedAt").asText());
            assertThat(view.at("/meetingUrl").asText()).isEqualTo(spooled.at("/meetingUrl").asText());

            // Nothing lost: the whole recording is in the store, one playable file.
            // The streamed media endpoint (no presigned redirect configured).
            Path file = download(local(port, "/api/v1/recordings/" + id + "/media"), work.resolve(id + ".mp4"),
                    "GET media");
            assertThat(Files.size(file)).isEqualTo(after.sizeBytes().orElseThrow());
            assertThat(sha256(file)).isEqualTo(after.checksum().orElseThrow());
            MediaReport report = RecordingQuality.assertRecordedWell(file, seconds);
            assertThat(report.duration()).isCloseTo(RECORDED_SECONDS, within(1.0));
            assertThat(archive.store().list(id + "/segments/")).as("segment copies removed").isEmpty();
            assertThat(archive.store().stat(id + "/metadata.json")).isPresent();

            awaitGone(recordingDirectory, Duration.ofSeconds(10));
            assertThat(archive.upload(id)).isEmpty();
        } finally {
            second.close();
        }
        awaitNoProcessOtherThan(fixtures, "processes left by run 2");

        // The row is PostgreSQL's, not an embedded database's.
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(),
                postgres.password());
             PreparedStatement query = connection.prepareStatement(
                     "select room, status, started_at from recording where id = ?")) {
            query.setString(1, id.value());
            try (ResultSet row = query.executeQuery()) {
                assertThat(row.next()).as("row %s in PostgreSQL", id).isTrue();
                assertThat(row.getString("room")).isEqualTo(ROOM);
                assertThat(row.getString("status")).isEqualTo("READY");
                assertThat(row.getTimestamp("started_at").toInstant()).isEqualTo(before.startedAt());
            }
        }

        String runOne = output.getAll().substring(0, runOneEnd);
        String runTwo = output.getAll().substring(runOneEnd);
        assertThat(runOne).contains("recording " + id + ": the store")
                .doesNotContain("recording " + id + " is ready");
        assertThat(runTwo).contains("recording " + id + ": resuming its upload from")
                .contains("recording " + id + " is ready");
        assertThat(output.getAll()).as("the S3 secret key in the output").doesNotContain(s3.secretKey());
    }

    // ---------------------------------------------------------------------------------------------------------

    private static int port(ConfigurableApplicationContext context) {
        return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
    }

    private static JsonNode awaitApi(int port, RecordingId id, Duration timeout,
            java.util.function.Predicate<JsonNode> condition) {
        return await("recording " + id + " in the expected state").atMost(timeout).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(200)).until(() -> api(port, "/api/v1/recordings/" + id), condition);
    }

    private static void awaitGone(Path directory, Duration timeout) {
        await("the recording's spool directory gone once it is READY").atMost(timeout).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100)).until(() -> !Files.exists(directory));
    }

    /** Waits up to 5 s for every process the application started to be gone. */
    private static void awaitNoProcessOtherThan(Set<Long> fixtures, String what) {
        await(what + ": none").atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(processesOtherThan(fixtures)).as(what).isEmpty());
    }

    /**
     * Processes under this JVM that neither were running before nor descend from one that was: the fixtures'
     * servers (and PostgreSQL's backends and workers) do not count, what the application started does.
     */
    private static List<String> processesOtherThan(Set<Long> fixtures) {
        List<String> alive = new ArrayList<>();
        for (ProcessHandle process : ProcessHandle.current().descendants().toList()) {
            if (process.isAlive() && !Processes.descendsFrom(process, fixtures)) {
                alive.add(process.pid() + " " + process.info().commandLine().orElse("?"));
            }
        }
        return alive;
    }

    private static final class Processes {

        static Set<Long> running() {
            return ProcessHandle.current().descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
        }

        static boolean descendsFrom(ProcessHandle process, Set<Long> ancestors) {
            long self = ProcessHandle.current().pid();
            for (Optional<ProcessHandle> p = Optional.of(process); p.isPresent() && p.get().pid() != self;
                    p = p.get().parent()) {
                if (ancestors.contains(p.get().pid())) {
                    return true;
                }
            }
            return false;
        }
    }
}
