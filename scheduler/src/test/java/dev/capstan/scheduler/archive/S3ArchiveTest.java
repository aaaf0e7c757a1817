package dev.capstan.scheduler.archive;

import static dev.capstan.scheduler.archive.ArchiveTestSupport.get;
import static dev.capstan.scheduler.archive.ArchiveTestSupport.local;
import static dev.capstan.scheduler.archive.ArchiveTestSupport.sha256;
import static dev.capstan.scheduler.archive.ArchiveTestSupport.sleepUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.media.RecordingQuality;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.demo.DemoPageController;
import dev.capstan.scheduler.plan.Part;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.fixture.S3ProxyServer;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Recordings into a real S3 API server (S3Proxy, a child process): segments reach the bucket while the meeting
 * is recorded, the final MP4 is one object within seconds of stop, and a store outage loses nothing.
 */
@Tag("media")
@ExtendWith(OutputCaptureExtension.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "capstan.node.slots=1",
        "capstan.archive.store=s3",
        "capstan.archive.s3.bucket=recordings",
        "capstan.archive.s3.prefix=capstan/",
        "capstan.archive.s3.path-style=true",
        "capstan.archive.s3.create-bucket=true",
        "capstan.archive.media.presigned=true"})
class S3ArchiveTest {

    @AutoClose
    private static S3ProxyServer s3;

    @Autowired
    Recordings recordings;

    @Autowired
    BlobStore store;

    @LocalServerPort
    int port;

    @TempDir
    Path downloads;

    private final ObjectMapper json = new ObjectMapper();

    @DynamicPropertySource
    static void store(DynamicPropertyRegistry registry) {
        if (s3 == null) {
            s3 = S3ProxyServer.start();
        }
        registry.add("capstan.archive.s3.endpoint", () -> s3.endpoint().toString());
        registry.add("capstan.archive.s3.access-key", s3::accessKey);
        registry.add("capstan.archive.s3.secret-key", s3::secretKey);
    }

    /** A recording of the demo page and the moment its first frame was written. */
    private record Started(RecordingId id, Recording recording, long firstFrameNanos) {
    }

    private Started record(String room) throws Exception {
        RecordingId id = RecordingId.generate();
        URI page = URI.create("http://127.0.0.1:" + port + DemoPageController.PATH);
        CompletableFuture<Long> firstFrame = new CompletableFuture<>();
        RecordingPlan plan = RecordingPlan.ofPage(id, room, page, Optional.empty());
        Recording recording = recordings.start(plan, Part.first(plan), Duration.ofSeconds(90), event -> {
                            if (event instanceof SlotEvent.FirstFrameWritten) {
                                firstFrame.complete(System.nanoTime());
                            }
                        })
                .get(90, TimeUnit.SECONDS);
        return new Started(id, recording, firstFrame.get(30, TimeUnit.SECONDS));
    }

    /**
     * Media starts a little before the first-frame event reaches the test (progress reports come every 0.1 s, and
     * the sound input opens first), so a recording holds about this much more than the time since that event.
     */
    private static final double FIRST_FRAME_LEAD = 0.3;

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    private JsonNode api(String path) throws Exception {
        return ArchiveTestSupport.api(port, path);
    }

    /** The live playlist, which must answer. */
    private String preview(RecordingId id) throws Exception {
        HttpResponse<String> playlist = get(local(port, "/api/v1/recordings/" + id + "/live.m3u8"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(playlist.statusCode()).as("the preview with the store down: %s", playlist.body()).isEqualTo(200);
        return playlist.body();
    }

    private static String lastSegment(String playlist) {
        List<String> segments = playlist.lines().filter(line -> line.startsWith("live/seg_")).toList();
        return segments.isEmpty() ? "" : segments.get(segments.size() - 1).substring("live/".length());
    }

    /** Follows the API's redirect to a presigned URL, as a browser would, and keeps the file. */
    private Path download(RecordingId id) throws Exception {
        HttpResponse<Void> redirect = get(local(port, "/api/v1/recordings/" + id + "/media"),
                HttpResponse.BodyHandlers.discarding());
        assertThat(redirect.statusCode()).as("media is a redirect to the store").isEqualTo(302);
        URI presigned = URI.create(redirect.headers().firstValue("Location").orElseThrow());
        assertThat(presigned.toString()).startsWith(s3.endpoint().toString()).contains("X-Amz-Signature");
        return ArchiveTestSupport.download(presigned, downloads.resolve(id + ".mp4"),
                "presigned GET without credentials");
    }

    @Test
    void aThirtySecondRecordingStreamsIntoTheBucketAndIsOneFileWithinFiveSecondsOfStop() throws Exception {
        Started started = record("s3-room");
        RecordingId id = started.id();

        sleepUntil(started.firstFrameNanos(), Duration.ofSeconds(12));
        assertThat(store.list(id + "/segments/")).as("segments in the bucket while recording")
                .hasSizeGreaterThanOrEqualTo(4);
        JsonNode running = api("/api/v1/recordings/" + id);
        assertThat(running.at("/status").asText()).isEqualTo("RECORDING");
        assertThat(running.at("/upload/phase").asText()).isEqualTo("STREAMING");
        assertThat(running.at("/upload/spooling").asBoolean()).isFalse();

        sleepUntil(started.firstFrameNanos(), Duration.ofSeconds(30));
        long stop = System.nanoTime();
        double recordedSeconds = secondsSince(started.firstFrameNanos());
        started.recording().stop().get(20, TimeUnit.SECONDS);
        RecordingEntry entry = recordings.archive().settled(id).get(20, TimeUnit.SECONDS).orElseThrow();
        Duration stopToStored = Duration.ofNanos(System.nanoTime() - stop);
        System.out.println("stop to one object in the bucket: " + stopToStored.toMillis() + " ms");
        assertThat(entry.status()).isEqualTo(RecordingStatus.READY);
        assertThat(stopToStored).as("stop to the final object in the bucket").isLessThanOrEqualTo(Duration.ofSeconds(5));

        String mediaKey = entry.mediaKey().orElseThrow();
        assertThat(mediaKey).startsWith(id + "/s3-room_").endsWith(".mp4");
        assertThat(store.stat(mediaKey).orElseThrow().size()).isEqualTo(entry.sizeBytes().orElseThrow());
        assertThat(store.list(id + "/segments/")).as("segment copies removed once the file is whole").isEmpty();

        Path file = download(id);
        assertThat(sha256(file)).isEqualTo(entry.checksum().orElseThrow());
        RecordingQuality.assertRecordedWell(file, recordedSeconds + FIRST_FRAME_LEAD);

        JsonNode metadata;
        try (InputStream in = store.read(id + "/metadata.json", 0, -1)) {
            metadata = json.readTree(in);
        }
        assertThat(metadata.at("/meeting_url").asText()).endsWith(DemoPageController.PATH);
        assertThat(metadata.at("/participants").isArray()).isTrue();
        assertThat(entry.thumbnailKey()).hasValue(id + "/thumbnail.jpg");
    }

    /**
     * Speaker tracks go into the bucket beside the media, and each part is played from the store as the MP4 is (a
     * presigned redirect here), byte ranges included. Real segments and Ogg/Opus files, no browser.
     */
    @Test
    void speakerTracksGoIntoTheBucketAndPlayFromIt(@TempDir Path work) throws Exception {
        SyntheticSegments media = SyntheticSegments.make(work.resolve("synthetic"), 4);
        RecordingEntry entry = SpeakerTrackFiles.record(recordings.archive(), media, "s3-tracks-room",
                SpeakerTrackFiles::write);
        RecordingId id = entry.id();
        assertThat(entry.status()).isEqualTo(RecordingStatus.READY);
        assertThat(store.list(id + "/tracks/")).extracting(BlobStore.BlobInfo::key).containsExactlyInAnyOrder(
                id + "/tracks/tracks.json", id + "/tracks/s1-1.ogg", id + "/tracks/s1-2.ogg", id + "/tracks/s2-1.ogg");
        JsonNode tracks = api("/api/v1/recordings/" + id + "/tracks");
        String bob = tracks.at("/speakers/1/parts/0/url").asText();
        assertThat(bob).isEqualTo("/api/v1/recordings/" + id + "/tracks/s2/1");

        HttpResponse<Void> redirect = get(local(port, bob), HttpResponse.BodyHandlers.discarding());
        assertThat(redirect.statusCode()).as("a part is a redirect to the store, as the media").isEqualTo(302);
        URI presigned = URI.create(redirect.headers().firstValue("Location").orElseThrow());
        assertThat(presigned.toString()).startsWith(s3.endpoint().toString()).contains("X-Amz-Signature");
        Path file = ArchiveTestSupport.download(presigned, downloads.resolve("bob.ogg"), "presigned GET of a part");
        MediaReport report = MediaReport.of(file);
        assertThat(report.dominantFrequency()).as("Bob's tone").isCloseTo(SpeakerTrackFiles.BOB_HZ, within(5.0));
        assertThat(report.duration()).isCloseTo(3.0, within(0.1));
        HttpResponse<byte[]> range = ArchiveTestSupport.HTTP.send(java.net.http.HttpRequest.newBuilder(presigned)
                .header("Range", "bytes=100-199").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(java.nio.file.Files.readAllBytes(file), 100,
                200));

        JsonNode metadata;
        try (InputStream in = store.read(id + "/metadata.json", 0, -1)) {
            metadata = json.readTree(in);
        }
        assertThat(metadata.at("/speaker_tracks/speakers/1/parts/0/file").asText()).isEqualTo("tracks/s2-1.ogg");
    }

    @Test
    void theStoreDownForTwentySecondsLosesNothingAndTheStatusShowsTheSpool(CapturedOutput output) throws Exception {
        Started started = record("outage-room");
        RecordingId id = started.id();
        sleepUntil(started.firstFrameNanos(), Duration.ofSeconds(5));
        s3.kill();
        long killed = System.nanoTime();
        AtomicBoolean sawSpooling = new AtomicBoolean();
        AtomicBoolean healthSaidSpooling = new AtomicBoolean();
        AtomicBoolean metricSaidSpooling = new AtomicBoolean();
        AtomicInteger mostPending = new AtomicInteger();
        List<String> previews = new ArrayList<>();
        try {
            while (System.nanoTime() - killed < Duration.ofSeconds(20).toNanos()) {
                previews.add(preview(id));
                JsonNode upload = api("/api/v1/recordings/" + id).at("/upload");
                if (upload.at("/spooling").asBoolean()) {
                    sawSpooling.set(true);
                    assertThat(upload.at("/lastError").asText()).doesNotContain(s3.secretKey());
                }
                mostPending.accumulateAndGet(upload.at("/pendingSegments").asInt(), Math::max);
                if (api("/actuator/health").at("/components/archive/status").asText().equals("SPOOLING")) {
                    healthSaidSpooling.set(true);
                }
                if (api("/actuator/metrics/capstan.archive.uploads.spooling").at("/measurements/0/value").asDouble() >= 1) {
                    metricSaidSpooling.set(true);
                }
                Thread.sleep(500);
            }
        } finally {
            s3.restart();
        }
        assertThat(sawSpooling).as("status showed the spool while the store was down").isTrue();
        assertThat(mostPending.get()).as("segments waiting on local disk").isGreaterThanOrEqualTo(8);
        assertThat(healthSaidSpooling).as("health showed the archive SPOOLING (HTTP 200)").isTrue();
        assertThat(metricSaidSpooling).as("capstan.archive.uploads.spooling rose").isTrue();
        // The live preview plays from the spool: it went on growing while the store was away.
        List<String> listed = previews.stream().map(S3ArchiveTest::lastSegment).toList();
        assertThat(listed.get(listed.size() - 1)).as("the preview grew during the outage: %s", listed)
                .isGreaterThan(listed.get(0));
        HttpResponse<byte[]> newest = get(local(port, "/api/v1/recordings/" + id + "/live/" + listed.get(
                listed.size() - 1)), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(newest.statusCode()).as("its newest segment is served with the store down").isEqualTo(200);
        assertThat(newest.body().length).isGreaterThan(1000);

        sleepUntil(started.firstFrameNanos(), Duration.ofSeconds(32));
        double recordedSeconds = secondsSince(started.firstFrameNanos());
        started.recording().stop().get(20, TimeUnit.SECONDS);
        RecordingEntry entry = recordings.archive().settled(id).get(60, TimeUnit.SECONDS).orElseThrow();
        assertThat(entry.status()).isEqualTo(RecordingStatus.READY);
        Path file = download(id);
        RecordingQuality.assertRecordedWell(file, recordedSeconds + FIRST_FRAME_LEAD);
        assertThat(api("/actuator/health").at("/components/archive/status").asText()).isEqualTo("UP");
        assertThat(output.getAll()).as("log output").doesNotContain(s3.secretKey());
    }
}
