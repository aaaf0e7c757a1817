package dev.capstan.scheduler.archive;

import static dev.capstan.scheduler.archive.ArchiveTestSupport.api;
import static dev.capstan.scheduler.archive.ArchiveTestSupport.download;
import static dev.capstan.scheduler.archive.ArchiveTestSupport.local;
import static dev.capstan.scheduler.archive.ArchiveTestSupport.sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.capture.FfmpegBinary;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.slot.CaptureSpan;
import dev.capstan.recorder.slot.Failure;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.recorder.slot.StopCause;
import dev.capstan.storage.archive.Catalog;
import dev.capstan.storage.archive.LossCause;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.blob.LocalBlobStore;
import dev.capstan.storage.blob.S3BlobStore;
import dev.capstan.storage.fixture.S3ProxyServer;
import dev.capstan.storage.media.FragmentedMp4;
import dev.capstan.storage.spool.SegmentLayout;
import dev.capstan.storage.spool.Spool;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.util.FileSystemUtils;

/**
 * A recording whose node vanished mid-recording: another node continues the session in part 2 and salvages part 1
 * from the segments that had reached the store, and the catalog keeps one recording with its parts in order.
 *
 * <p>The application under test is node B (its archive, catalog, store and API). Node A is a second archive on
 * the same catalog and store with its own spool directory, as on another host; it "dies" by stopping its spool
 * without sealing and losing its local files. The media are real 2-s segments of FFmpeg's test sources.
 */
@Tag("media")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "capstan.node.slots=1", "capstan.archive.shared-catalog=true"})
class SalvageTest {

    private static final Spool.Settings FAST = new Spool.Settings(Duration.ofMillis(100), 8L << 20,
            Duration.ofMillis(100), Duration.ofSeconds(1), 2);
    private static final String BUCKET = "recordings";

    @TempDir
    static Path work;
    @AutoClose
    private static S3ProxyServer s3;
    private static SyntheticSegments media;

    @Autowired
    RecordingArchive archive;
    @Autowired
    Catalog catalog;
    @Autowired
    BlobStore store;
    @Autowired
    ArchiveProperties properties;
    @LocalServerPort
    int port;

    private final List<RecordingArchive> otherNodes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void encode() throws Exception {
        long start = System.nanoTime();
        media = SyntheticSegments.make(work.resolve("synthetic"), 10);
        System.out.println("synthetic media: " + media.count() + " segments in "
                + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms");
    }

    @AfterEach
    void closeOtherNodes() {
        otherNodes.forEach(RecordingArchive::close);
    }

    /** Another node's archive: its own spool directory, the same catalog, the store through its own client. */
    private RecordingArchive node(String spool, BlobStore itsStore) throws Exception {
        return node(spool, itsStore, true);
    }

    private RecordingArchive node(String spool, BlobStore itsStore, boolean sharedCatalog) throws Exception {
        RecordingArchive node = new RecordingArchive(catalog, itsStore, FfmpegBinary::bundled,
                new FinalizeCommand(List.of(), Duration.ofMinutes(1)), new ObjectMapper());
        otherNodes.add(node);
        node.open(work.resolve(spool), FAST, sharedCatalog);
        return node;
    }

    private BlobStore localStore() throws Exception {
        return new LocalBlobStore(properties.local().root().toAbsolutePath());
    }

    private static RecordingOrder order(String room) {
        return RecordingOrder.of(RecordingId.generate(), room, URI.create("https://meet.example.com/" + room));
    }

    /**
     * Node A records {@code order}; once {@code stored} segments are in the store it dies (kill -9: the spool stops,
     * nothing is sealed), with one more segment written locally that never reached the store.
     *
     * @return node A's spool directory of the recording, as the dead node left it
     */
    private Path recordOnNodeThatDies(RecordingArchive nodeA, BlobStore itsStore, RecordingOrder order, int stored)
            throws Exception {
        Path directory = nodeA.begin(order);
        if (stored > 0) {
            media.record(directory, 0, stored);
            // Until the spool has put every segment: an object still being written may already be listed.
            await("segments of " + order.id() + " in the store").atMost(Duration.ofSeconds(20))
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
                    .until(() -> nodeA.upload(order.id()).orElseThrow().pendingSegments() == 0
                            && itsStore.list(order.id() + "/segments/").size() >= stored + 1);
        }
        nodeA.spool().close();
        media.record(directory, stored, stored + 1);
        Thread.sleep(300);
        assertThat(itsStore.list(order.id() + "/segments/")).as("what reached the store before the node died")
                .hasSize(stored == 0 ? 0 : stored + 1);
        assertThat(catalog.find(order.id()).orElseThrow().status()).isEqualTo(RecordingStatus.RECORDING);
        return directory;
    }

    /** Node B records a part normally: segments, then the recorder's stop. */
    private RecordingEntry recordPart(RecordingOrder order, int segments) throws Exception {
        Path directory = archive.begin(order);
        media.record(directory, 0, segments);
        archive.events(order.id()).accept(new SlotEvent.Stopped(order.id(), Optional.empty(),
                new CaptureProgress(segments * 60L, 30, 1, 0, 0, Duration.ofSeconds(2L * segments), 0),
                StopCause.REQUESTED, new CaptureSpan(Instant.now().minusSeconds(2L * segments), Instant.now(),
                        CaptureSpan.EncoderEnd.DRAINED)));
        return archive.settled(order.id()).get(60, TimeUnit.SECONDS).orElseThrow();
    }

    @Test
    void aRecordingWhoseNodeVanishedIsSalvagedAndContinuedInPartTwoAsOneCatalogEntry() throws Exception {
        RecordingOrder order = order("vanished-room");
        RecordingId id = order.id();
        RecordingArchive nodeA = node("a-spool", localStore());
        Path lost = recordOnNodeThatDies(nodeA, store, order, 3);
        FileSystemUtils.deleteRecursively(lost); // node A never comes back, nor does its disk

        // Node B continues the session in part 2 at once, and salvages part 1.
        RecordingOrder second = order.asPart(id, 2);
        assertThat(second.id()).isNotEqualTo(id);
        long salvageStart = System.nanoTime();
        CompletableFuture<Optional<RecordingEntry>> salvage = archive.salvage(id,
                "node node-a vanished; continued in part 2");
        RecordingEntry part2 = recordPart(second, 2);
        RecordingEntry part1 = salvage.get(60, TimeUnit.SECONDS).orElseThrow();
        System.out.println("salvage of 3 segments: " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - salvageStart)
                + " ms");

        assertThat(part1.status()).as("%s", part1).isEqualTo(RecordingStatus.PARTIAL);
        assertThat(part1.statusDetail().orElseThrow()).contains("node node-a vanished; continued in part 2")
                .contains("salvaged the 6.0 s that had reached the store");
        // Node A wrote its 8 s of media faster than real time, and was given up at once: by the estimate (from the
        // request to the takeover) nothing it had on was missing from the store.
        assertThat(part1.loss().orElseThrow().cause()).isEqualTo(LossCause.NODE_LOST);
        assertThat(part1.lostSeconds()).hasValue(0.0);
        assertThat(part1.duration().orElseThrow().toMillis() / 1000.0).isCloseTo(6.0, within(0.2));
        assertThat(part1.endedAt()).isPresent();
        assertThat(part1.mediaKey().orElseThrow()).startsWith(id + "/vanished-room_").endsWith("_salvaged.mp4");
        assertThat(store.list(id + "/segments/")).as("segment objects once part 1 is joined").isEmpty();
        assertThat(store.stat(id + "/metadata.json")).isPresent();
        assertThat(part1.thumbnailKey()).hasValue(id + "/thumbnail.jpg");

        assertThat(part2.status()).isEqualTo(RecordingStatus.READY);
        assertThat(part2.parent()).hasValue(id);
        assertThat(part2.part()).isEqualTo(2);
        assertThat(catalog.parts(id)).extracting(RecordingEntry::id).containsExactly(id, second.id());
        JsonNode metadata;
        try (InputStream in = store.read(second.id() + "/metadata.json", 0, -1)) {
            metadata = new ObjectMapper().readTree(in);
        }
        assertThat(metadata.at("/recording_id").asText()).isEqualTo(id.value());
        assertThat(metadata.at("/part").asInt()).isEqualTo(2);

        // The API: one recording in the catalog, with both parts in order, each playable.
        JsonNode list = api(port, "/api/v1/recordings?room=vanished-room");
        assertThat(list.at("/totalItems").asInt()).isEqualTo(1);
        assertThat(list.at("/items/0/id").asText()).isEqualTo(id.value());
        JsonNode view = api(port, "/api/v1/recordings/" + id);
        assertThat(view.at("/status").asText()).isEqualTo("PARTIAL");
        assertThat(view.at("/lossCause").asText()).isEqualTo("node-lost");
        assertThat(view.at("/lostSeconds").isNumber()).isTrue();
        assertThat(view.at("/part").asInt()).isEqualTo(1);
        JsonNode parts = view.at("/parts");
        assertThat(parts.size()).as("parts: %s", parts).isEqualTo(2);
        assertThat(parts.at("/0/part").asInt()).isEqualTo(1);
        assertThat(parts.at("/0/id").asText()).isEqualTo(id.value());
        assertThat(parts.at("/0/status").asText()).isEqualTo("PARTIAL");
        assertThat(parts.at("/1/part").asInt()).isEqualTo(2);
        assertThat(parts.at("/1/id").asText()).isEqualTo(second.id().value());
        assertThat(parts.at("/1/status").asText()).isEqualTo("READY");
        assertThat(parts.at("/1/durationSeconds").asDouble()).isCloseTo(4.0, within(0.5));
        assertThat(parts.at("/1/lostSeconds").asDouble()).isZero();
        assertThat(parts.at("/1/lossCause").isMissingNode() || parts.at("/1/lossCause").isNull()).isTrue();
        JsonNode partView = api(port, "/api/v1/recordings/" + second.id());
        assertThat(partView.at("/parent").asText()).isEqualTo(id.value());
        assertThat(partView.at("/part").asInt()).isEqualTo(2);

        Path first = download(local(port, parts.at("/0/media").asText()), work.resolve("part1.mp4"), "GET part 1");
        assertThat(sha256(first)).isEqualTo(part1.checksum().orElseThrow());
        MediaReport played = MediaReport.of(first);
        System.out.println("salvaged part 1: " + played);
        assertThat(played.duration()).as("part 1 plays what had reached the store").isCloseTo(6.0, within(0.5));
        assertThat(played.width()).isEqualTo(1280);
        assertThat(played.averageFps()).isGreaterThanOrEqualTo(29);
        assertThat(played.videoFrames()).as("frames of 6 s at 30 fps").isBetween(175L, 185L);
        assertThat(played.repeatedFrameShare()).as("share of repeated frames").isLessThan(0.05);
        assertThat(played.meanLuma()).as("not black").isGreaterThan(20);
        Path next = download(local(port, parts.at("/1/media").asText()), work.resolve("part2.mp4"), "GET part 2");
        assertThat(MediaReport.of(next).duration()).isCloseTo(4.0, within(0.5));

        // Deleting the recording deletes its parts, objects included.
        HttpResponse<String> deleted = http.send(HttpRequest.newBuilder(local(port, "/api/v1/recordings/" + id))
                .DELETE().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
        assertThat(catalog.find(id)).isEmpty();
        assertThat(catalog.find(second.id())).isEmpty();
        assertThat(store.list(id + "/")).isEmpty();
        assertThat(store.list(second.id() + "/")).isEmpty();
    }

    @Test
    void salvagingTwiceOrFromTwoSchedulersAtOnceGivesOneResultAndNothingInTheStoreFails() throws Exception {
        RecordingOrder order = order("twice-room");
        RecordingId id = order.id();
        FileSystemUtils.deleteRecursively(recordOnNodeThatDies(node("a2-spool", localStore()), store, order, 2));
        RecordingArchive nodeC = node("c-spool", localStore());

        String reason = "node node-a vanished; continued in part 2";
        List<CompletableFuture<Optional<RecordingEntry>>> calls = List.of(archive.salvage(id, reason),
                nodeC.salvage(id, reason), archive.salvage(id, reason), nodeC.salvage(id, reason));
        List<RecordingEntry> results = new ArrayList<>();
        for (CompletableFuture<Optional<RecordingEntry>> call : calls) {
            results.add(call.get(60, TimeUnit.SECONDS).orElseThrow());
        }
        RecordingEntry settled = catalog.find(id).orElseThrow();
        assertThat(settled.status()).isEqualTo(RecordingStatus.PARTIAL);
        assertThat(results).as("every call's result").allSatisfy(result -> {
            assertThat(result.status()).isEqualTo(RecordingStatus.PARTIAL);
            assertThat(result.mediaKey()).isEqualTo(settled.mediaKey());
            assertThat(result.checksum()).isEqualTo(settled.checksum());
        });
        assertThat(store.list(id + "/")).extracting(BlobStore.BlobInfo::key)
                .filteredOn(key -> key.endsWith(".mp4")).containsExactly(settled.mediaKey().orElseThrow());
        assertThat(store.stat(settled.mediaKey().orElseThrow()).orElseThrow().size())
                .isEqualTo(settled.sizeBytes().orElseThrow());
        // Later calls change nothing.
        assertThat(archive.salvage(id, "again").get(10, TimeUnit.SECONDS)).contains(settled);
        assertThat(catalog.find(id)).contains(settled);

        // A node that died before any segment reached the store: nothing to salvage, said plainly.
        RecordingOrder empty = order("empty-room");
        FileSystemUtils.deleteRecursively(recordOnNodeThatDies(node("a3-spool", localStore()), store, empty, 0));
        RecordingEntry failed = archive.salvage(empty.id(), "node node-a vanished").get(30, TimeUnit.SECONDS)
                .orElseThrow();
        assertThat(failed.status()).isEqualTo(RecordingStatus.FAILED);
        assertThat(failed.statusDetail()).hasValue("node node-a vanished; nothing reached the store");
        assertThat(store.list(empty.id() + "/")).isEmpty();
        assertThat(archive.spool().directory(empty.id())).doesNotExist();
        assertThat(archive.salvage(RecordingId.of("never-filed"), "x").get(10, TimeUnit.SECONDS)).isEmpty();

        // Retention takes a session whole: the salvaged part 1 and the part that continued it.
        RecordingEntry part2 = recordPart(order.asPart(id, 2), 1);
        assertThat(archive.deleteStartedBefore(Instant.now().plusSeconds(60))).isGreaterThanOrEqualTo(2);
        assertThat(catalog.find(id)).isEmpty();
        assertThat(catalog.find(part2.id())).isEmpty();
        assertThat(store.list(id + "/")).isEmpty();
        assertThat(store.list(part2.id() + "/")).isEmpty();
    }

    @Test
    void aNodeThatComesBackDiscardsItsOwnCopyOfARecordingSalvagedMeanwhileOnS3() throws Exception {
        s3 = S3ProxyServer.start();
        S3BlobStore bucket = S3BlobStore.create(s3.settings(BUCKET, "capstan/"));
        bucket.ensureBucket();
        bucket.close();
        RecordingOrder order = order("s3-room");
        RecordingId id = order.id();
        Path spoolA = work.resolve("a4-spool");
        Path left = recordOnNodeThatDies(node("a4-spool", s3Store()), s3Store(), order, 3);
        assertThat(left).isDirectory();

        BlobStore storeB = s3Store();
        RecordingArchive nodeB = node("b4-spool", storeB);
        RecordingEntry salvaged = nodeB.salvage(id, "node node-a vanished").get(60, TimeUnit.SECONDS).orElseThrow();
        assertThat(salvaged.status()).isEqualTo(RecordingStatus.PARTIAL);
        String key = salvaged.mediaKey().orElseThrow();
        Path file = work.resolve("s3-salvaged.mp4");
        try (InputStream in = storeB.read(key, 0, -1)) {
            Files.copy(in, file);
        }
        assertThat(sha256(file)).isEqualTo(salvaged.checksum().orElseThrow());
        assertThat(MediaReport.of(file).duration()).isCloseTo(6.0, within(0.5));
        assertThat(storeB.list(id + "/segments/")).isEmpty();

        // Node A restarts with its spool (it holds one segment more than the store had): the recording is final
        // elsewhere, so its copy is discarded rather than uploaded over the salvaged one.
        RecordingArchive restarted = node("a4-spool", s3Store());
        await("node A's copy discarded after its restart").atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100)).until(() -> !Files.exists(spoolA.resolve(id.value())));
        assertThat(restarted.upload(id)).isEmpty();
        Thread.sleep(1000); // anything it might still upload would show by now
        assertThat(catalog.find(id)).contains(salvaged);
        assertThat(storeB.list(id + "/")).extracting(BlobStore.BlobInfo::key)
                .containsExactlyInAnyOrder(key, id + "/metadata.json", id + "/thumbnail.jpg");
        Path again = work.resolve("s3-salvaged-again.mp4");
        try (InputStream in = storeB.read(key, 0, -1)) {
            Files.copy(in, again);
        }
        assertThat(sha256(again)).as("the salvaged media after node A came back").isEqualTo(sha256(file));
    }

    @Test
    void aLoneNodeThatLostItsSpoolSalvagesItsRunningRecordingAtStartUp() throws Exception {
        RecordingOrder order = order("lost-spool-room");
        RecordingArchive before = node("lone-spool", localStore());
        FileSystemUtils.deleteRecursively(recordOnNodeThatDies(before, store, order, 2));

        // The same node restarts alone with its catalog (no shared-catalog): the recording was its own.
        RecordingArchive after = node("lone-spool", localStore(), false);
        RecordingEntry salvaged = after.salvage(order.id(), "unused: already under way").get(60, TimeUnit.SECONDS)
                .orElseThrow();
        assertThat(salvaged.status()).isEqualTo(RecordingStatus.PARTIAL);
        assertThat(salvaged.statusDetail().orElseThrow()).startsWith("its local files were lost; salvaged the 4.0 s");
        assertThat(store.list(order.id() + "/segments/")).isEmpty();
    }

    /**
     * The catalog's duration is the file's, measured from its segments, whatever the encoder last reported; a file
     * shorter than the time it was on by more than the tolerance, or whose encoder was killed at stop or died, is
     * PARTIAL with the seconds it lacks and why.
     */
    @Test
    void theFileIsMeasuredAndOneThatLacksMediaIsPartialWithItsLostSecondsAndCause() throws Exception {
        Path directory = archive.begin(order("whole-room"));
        media.record(directory, 0, 2);
        Duration file = FragmentedMp4.playedDuration(SegmentLayout.init(directory),
                SegmentLayout.completedSegments(directory));
        assertThat(file.toMillis()).as("two 2-s segments").isBetween(3_900L, 4_100L);

        // Stopped in order, on for as long as the file lasts: READY, with the file's duration rather than the
        // encoder's last report (3.1 s here, as a report a second old would say).
        RecordingEntry whole = settle(directory, 2, Duration.ofMillis(3_100), file.plusMillis(300),
                CaptureSpan.EncoderEnd.DRAINED);
        assertThat(whole.status()).as("%s", whole).isEqualTo(RecordingStatus.READY);
        assertThat(whole.duration()).contains(Duration.ofMillis(file.toMillis()));
        assertThat(whole.loss()).isEmpty();
        assertThat(whole.lostSeconds()).hasValue(0.0);
        assertThat(whole.deliveredFps()).as("(93 frames - 3 duplicates) / 3.1 s").contains(29.03);

        // On 3 s longer than the file holds, although the encoder ended in order: short-file.
        RecordingEntry shortFile = settle(record("short-room"), 2, file, file.plusSeconds(3),
                CaptureSpan.EncoderEnd.DRAINED);
        assertThat(shortFile.status()).isEqualTo(RecordingStatus.PARTIAL);
        assertThat(shortFile.loss().orElseThrow().cause()).isEqualTo(LossCause.SHORT_FILE);
        assertThat(shortFile.loss().orElseThrow().lost().toMillis()).isCloseTo(3_000L, within(5L));
        assertThat(shortFile.duration()).contains(Duration.ofMillis(file.toMillis()));
        assertThat(shortFile.statusDetail().orElseThrow()).startsWith("short-file: 3.0 s of the");

        // Short by just over the tolerance: still short.
        RecordingEntry justOver = settle(record("just-over-room"), 2, file,
                file.plus(LossCheck.TOLERANCE).plusMillis(50), CaptureSpan.EncoderEnd.DRAINED);
        assertThat(justOver.loss().map(loss -> loss.cause())).contains(LossCause.SHORT_FILE);
        // Short by less: complete.
        RecordingEntry within = settle(record("within-room"), 2, file,
                file.plus(LossCheck.TOLERANCE).minusMillis(100), CaptureSpan.EncoderEnd.DRAINED);
        assertThat(within.status()).isEqualTo(RecordingStatus.READY);

        // Killed at stop: a loss however little is missing.
        RecordingEntry killed = settle(record("killed-room"), 2, file, file.plusMillis(200),
                CaptureSpan.EncoderEnd.KILLED_AT_STOP);
        assertThat(killed.status()).isEqualTo(RecordingStatus.PARTIAL);
        assertThat(killed.loss().orElseThrow().cause()).isEqualTo(LossCause.ENCODER_KILLED_AT_STOP);
        assertThat(killed.loss().orElseThrow().lost().toMillis()).isCloseTo(200L, within(5L));

        // The encoder died mid-recording (a failure, with the span it had been on): encoder-died.
        RecordingOrder died = order("died-room");
        Path diedDirectory = archive.begin(died);
        media.record(diedDirectory, 0, 2);
        Instant end = Instant.now();
        archive.events(died.id()).accept(new SlotEvent.Progress(died.id(),
                new CaptureProgress(120, 30, 1, 0, 0, Duration.ofSeconds(4), 0)));
        archive.events(died.id()).accept(new SlotEvent.Failed(died.id(),
                new Failure(Failure.Reason.CAPTURE_DIED, "exit 137 (SIGKILL)"), Optional.empty(),
                Optional.of(new CaptureSpan(end.minus(file).minusMillis(1_700), end, CaptureSpan.EncoderEnd.DIED))));
        RecordingEntry partial = archive.settled(died.id()).get(60, TimeUnit.SECONDS).orElseThrow();
        assertThat(partial.status()).isEqualTo(RecordingStatus.PARTIAL);
        assertThat(partial.loss().orElseThrow().cause()).isEqualTo(LossCause.ENCODER_DIED);
        assertThat(partial.loss().orElseThrow().lost().toMillis()).isCloseTo(1_700L, within(5L));
        assertThat(partial.deliveredFps()).as("from the last progress report").contains(30.0);
        assertThat(partial.statusDetail().orElseThrow())
                .startsWith("capture-died: exit 137 (SIGKILL); encoder-died: 1.7 s");
    }

    private Path record(String room) throws Exception {
        Path directory = archive.begin(order(room));
        media.record(directory, 0, 2);
        return directory;
    }

    /** The recorder's stop of the recording in {@code directory}, whose encoder last reported {@code recorded}. */
    private RecordingEntry settle(Path directory, int segments, Duration recorded, Duration onFor,
            CaptureSpan.EncoderEnd encoderEnd) throws Exception {
        RecordingId id = RecordingId.of(directory.getFileName().toString());
        Instant end = Instant.now();
        long frames = recorded.toMillis() * 30 / 1000;
        archive.events(id).accept(new SlotEvent.Stopped(id, Optional.empty(),
                new CaptureProgress(frames, 30, 1, 3, 0, recorded, 0), StopCause.REQUESTED,
                new CaptureSpan(end.minus(onFor), end, encoderEnd)));
        return archive.settled(id).get(60, TimeUnit.SECONDS).orElseThrow();
    }

    private static BlobStore s3Store() {
        return S3BlobStore.create(s3.settings(BUCKET, "capstan/"));
    }
}
