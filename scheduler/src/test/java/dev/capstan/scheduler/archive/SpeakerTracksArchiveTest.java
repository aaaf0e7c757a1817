package dev.capstan.scheduler.archive;

import static dev.capstan.scheduler.archive.ArchiveTestSupport.api;
import static dev.capstan.scheduler.archive.ArchiveTestSupport.local;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.capture.FfmpegBinary;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.slot.CaptureSpan;
import dev.capstan.recorder.slot.Failure;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.recorder.tracks.SpeakerTracks;
import dev.capstan.scheduler.web.PageBrowser;
import dev.capstan.storage.archive.Catalog;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.blob.BlobStore;
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
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Speaker tracks from the recording's directory to the archive and the API, on the local store: the manifest and
 * every file it names go beside the media, into the catalog and metadata.json; each part plays its speaker's tone
 * from the API with byte ranges; a file a crash took is left out and said so, and nothing else is lost. No browser:
 * real 2-s segments and real Ogg/Opus files of FFmpeg's test sources.
 */
@Tag("media")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = "capstan.node.slots=1")
class SpeakerTracksArchiveTest {

    @TempDir
    static Path work;
    private static SyntheticSegments media;

    @Autowired
    RecordingArchive archive;
    @Autowired
    Catalog catalog;
    @Autowired
    BlobStore store;
    @LocalServerPort
    int port;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void encode() throws Exception {
        media = SyntheticSegments.make(work.resolve("synthetic"), 4);
    }

    private static RecordingEntry record(RecordingArchive archive, String room,
            SpeakerTrackFiles.TrackWriter tracks) throws Exception {
        return SpeakerTrackFiles.record(archive, media, room, tracks);
    }

    private HttpResponse<byte[]> fetch(String path, String range) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(local(port, path));
        if (range != null) {
            request.header("Range", range);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private JsonNode problem(String path, int status) throws Exception {
        HttpResponse<byte[]> response = fetch(path, null);
        assertThat(response.statusCode()).as("GET %s: %s", path, new String(response.body())).isEqualTo(status);
        return json.readTree(response.body());
    }

    @Test
    void theTracksGoBesideTheMediaIntoTheCatalogMetadataAndApiAndEachPlaysItsSpeaker() throws Exception {
        RecordingEntry entry = record(archive, "tracks-room", SpeakerTrackFiles::write);
        String id = entry.id().value();
        assertThat(entry.status()).as("%s", entry).isEqualTo(RecordingStatus.READY);
        SpeakerTracks filed = SpeakerTracks.fromJson(entry.tracksJson().orElseThrow());
        assertThat(filed.capture()).isEqualTo(SpeakerTracks.Capture.CAPTURED);
        assertThat(filed.detail()).isEmpty();
        assertThat(filed.files()).containsExactly("tracks/s1-1.ogg", "tracks/s1-2.ogg", "tracks/s2-1.ogg");
        for (String file : List.of("tracks/tracks.json", "tracks/s1-1.ogg", "tracks/s1-2.ogg", "tracks/s2-1.ogg")) {
            assertThat(store.stat(id + "/" + file)).as("%s in the store beside the media", file).isPresent();
        }

        JsonNode metadata;
        try (InputStream in = store.read(id + "/metadata.json", 0, -1)) {
            metadata = json.readTree(in);
        }
        JsonNode alice = metadata.at("/speaker_tracks/speakers/0");
        assertThat(alice.at("/displayName").asText()).isEqualTo("Alice");
        assertThat(alice.at("/parts/1/file").asText()).isEqualTo("tracks/s1-2.ogg");
        assertThat(alice.at("/parts/1/offsetMs").asLong()).isEqualTo(5_000);
        assertThat(alice.at("/parts/1/durationMs").asLong()).isEqualTo(2_000);
        assertThat(alice.at("/present/1/fromMs").asLong()).as("the rejoin").isEqualTo(4_900);
        assertThat(alice.at("/muted/0/fromMs").asLong()).isEqualTo(3_000);
        assertThat(metadata.at("/speaker_tracks/timeline").size()).isEqualTo(3);
        assertThat(metadata.at("/meeting_url").asText()).endsWith("/tracks-room");

        JsonNode view = api(port, "/api/v1/recordings/" + id);
        assertThat(view.at("/links/tracks").asText()).isEqualTo("/api/v1/recordings/" + id + "/tracks");
        assertThat(view.at("/links/timeline").asText()).isEqualTo("/api/v1/recordings/" + id + "/timeline");

        JsonNode status = api(port, "/api/v1/recordings/" + id + "/status");
        assertThat(status.at("/speakerTracks").toString())
                .isEqualTo("{\"capture\":\"captured\",\"speakers\":2,\"detail\":\"\"}");

        JsonNode tracks = api(port, "/api/v1/recordings/" + id + "/tracks");
        assertThat(tracks.at("/capture").asText()).isEqualTo("captured");
        assertThat(tracks.at("/speakers/1/displayName").asText()).isEqualTo(SpeakerTrackFiles.BOB);
        assertThat(tracks.at("/speakers/0/participantIds").toString()).isEqualTo("[\"a1b2\",\"c3d4\"]");
        assertThat(tracks.toString()).as("who a person is across joins stays in the archive")
                .doesNotContain("alice@example.com");
        double[][] expected = {{SpeakerTrackFiles.ALICE_HZ, 3}, {SpeakerTrackFiles.ALICE_HZ, 2},
                {SpeakerTrackFiles.BOB_HZ, 3}};
        int played = 0;
        for (JsonNode speaker : tracks.at("/speakers")) {
            for (JsonNode part : speaker.at("/parts")) {
                String url = part.at("/url").asText();
                assertThat(url).isEqualTo("/api/v1/recordings/" + id + "/tracks/" + speaker.at("/id").asText() + "/"
                        + part.at("/number").asInt());
                HttpResponse<byte[]> whole = fetch(url, null);
                assertThat(whole.statusCode()).isEqualTo(200);
                assertThat(whole.headers().firstValue("Content-Type")).contains("audio/ogg");
                assertThat(whole.headers().firstValue("Accept-Ranges")).contains("bytes");
                Path file = Files.write(work.resolve(id + "-" + played + ".ogg"), whole.body());
                MediaReport report = MediaReport.of(file);
                assertThat(report.hasPicture()).isFalse();
                assertThat(report.dominantFrequency()).as("%s plays its speaker's tone", url)
                        .isCloseTo(expected[played][0], within(5.0));
                assertThat(report.duration()).as("%s lasts its part", url).isCloseTo(expected[played][1], within(0.1));
                assertThat(part.at("/durationMs").asLong()).isEqualTo((long) (expected[played][1] * 1000));
                played++;
            }
        }
        assertThat(played).isEqualTo(3);

        // Byte ranges as the MP4's: exactly those bytes, or 416 past the end.
        String bob = "/api/v1/recordings/" + id + "/tracks/s2/1";
        byte[] all = fetch(bob, null).body();
        HttpResponse<byte[]> range = fetch(bob, "bytes=100-1099");
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.headers().firstValue("Content-Range")).contains("bytes 100-1099/" + all.length);
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(all, 100, 1100));
        HttpResponse<byte[]> past = fetch(bob, "bytes=" + all.length + "-");
        assertThat(past.statusCode()).isEqualTo(416);
        assertThat(past.headers().firstValue("Content-Range")).contains("bytes */" + all.length);

        JsonNode timeline = api(port, "/api/v1/recordings/" + id + "/timeline");
        assertThat(timeline.at("/capture").asText()).isEqualTo("captured");
        assertThat(timeline.at("/timeline").toString()).isEqualTo("[{\"speakerId\":\"s1\",\"displayName\":\"Alice\","
                + "\"fromMs\":0,\"toMs\":3000},{\"speakerId\":\"s2\",\"displayName\":\"王 Bob\",\"fromMs\":1000,"
                + "\"toMs\":4000},{\"speakerId\":\"s1\",\"displayName\":\"Alice\",\"fromMs\":5000,\"toMs\":7000}]");

        // Unknown speakers and parts are 404s of the catalogue; junk is the caller's error.
        assertThat(problem("/api/v1/recordings/" + id + "/tracks/s9/1", 404).at("/code").asText())
                .isEqualTo("recording-not-found");
        assertThat(problem("/api/v1/recordings/" + id + "/tracks/s1/3", 404).at("/detail").asText())
                .isEqualTo("recording " + id + " has no part 3 of speaker s1");
        assertThat(problem("/api/v1/recordings/" + id + "/tracks/s1/0", 400).at("/code").asText())
                .isEqualTo("invalid-parameter");
        assertThat(problem("/api/v1/recordings/" + id + "/tracks/s1/x", 400).at("/code").asText())
                .isEqualTo("invalid-parameter");
        assertThat(problem("/api/v1/recordings/" + id + "/tracks/s1%20x/1", 400).at("/code").asText())
                .isEqualTo("invalid-parameter");
        assertThat(problem("/api/v1/recordings/" + id + "/tracks/..%2E/1", 400).has("status")).isTrue();
        assertThat(problem("/api/v1/recordings/" + id + "/tracks/%2E%2E%2Fmetadata.json/1", 400).has("status"))
                .isTrue();
        assertThat(problem("/api/v1/recordings/bad.id/tracks", 400).at("/code").asText()).isEqualTo("invalid-id");
    }

    /** As a person would: open the recording on the page; each speaker is listed with a player per part that plays. */
    @Test
    void theRecordingsPageListsEachSpeakerWithAPlayerPerPartAndATimeline() throws Exception {
        RecordingEntry entry = record(archive, "page-tracks-room", SpeakerTrackFiles::write);
        ChromeDriver browser = PageBrowser.open();
        try {
            browser.get("http://127.0.0.1:" + port + "/recordings/?play=" + entry.id());
            List<WebElement> speakers = PageBrowser.within(Duration.ofSeconds(20), "the speakers are listed", () -> {
                List<WebElement> found = browser.findElements(By.cssSelector("#speakers .speaker"));
                return found.size() == 2 && found.get(0).isDisplayed() ? found : null;
            });
            assertThat(speakers.get(0).getText()).contains("Alice", "part 1 · 0:00–0:03", "part 2 · 0:05–0:07");
            assertThat(speakers.get(1).getText()).contains(SpeakerTrackFiles.BOB, "0:01–0:04");
            List<WebElement> players = browser.findElements(By.cssSelector("#speakers audio"));
            assertThat(players).hasSize(3);
            assertThat(players.get(2).getAttribute("src"))
                    .endsWith("/api/v1/recordings/" + entry.id() + "/tracks/s2/1");
            browser.executeScript("arguments[0].play();", players.get(1));
            PageBrowser.within(Duration.ofSeconds(20), "Alice's second part plays", () -> (Boolean) browser.executeScript(
                    "return arguments[0].currentTime > 1 || null", players.get(1)));
            Number length = (Number) browser.executeScript("return arguments[0].duration", players.get(1));
            assertThat(length.doubleValue()).as("the player knows the part's length").isCloseTo(2.0, within(0.1));

            // The timeline: one lane per speaker, Alice audible twice, Bob once, placed on the recording's time.
            List<WebElement> lanes = browser.findElements(By.cssSelector("#timeline .lane"));
            assertThat(lanes).hasSize(2);
            assertThat(lanes.get(0).findElements(By.cssSelector(".audible"))).hasSize(2);
            assertThat(lanes.get(1).findElements(By.cssSelector(".audible"))).hasSize(1);
            String bobFrom = lanes.get(1).findElement(By.cssSelector(".audible")).getAttribute("style");
            assertThat(bobFrom).as("Bob from 1 s of 7 s").contains("left: 14.2857");
        } finally {
            browser.quit();
        }
    }

    @Test
    void aManifestNamingAMissingFileFilesTheRestAndSaysSo() throws Exception {
        RecordingEntry entry = record(archive, "crash-room", directory -> SpeakerTrackFiles.write(directory, "s2"));
        String id = entry.id().value();
        assertThat(entry.status()).as("the composite is whole").isEqualTo(RecordingStatus.READY);

        JsonNode tracks = api(port, "/api/v1/recordings/" + id + "/tracks");
        assertThat(tracks.at("/detail").asText())
                .isEqualTo("the file tracks/s2-1.ogg was missing; the other tracks are kept");
        assertThat(tracks.at("/speakers/0/parts").size()).isEqualTo(2);
        assertThat(tracks.at("/speakers/1/displayName").asText()).as("still on the timeline")
                .isEqualTo(SpeakerTrackFiles.BOB);
        assertThat(tracks.at("/speakers/1/parts").size()).isZero();
        assertThat(tracks.at("/timeline").size()).isEqualTo(3);
        assertThat(store.stat(id + "/tracks/s1-2.ogg")).isPresent();
        assertThat(store.stat(id + "/tracks/s2-1.ogg")).isEmpty();
        assertThat(fetch("/api/v1/recordings/" + id + "/tracks/s1/2", null).statusCode()).isEqualTo(200);
        assertThat(problem("/api/v1/recordings/" + id + "/tracks/s2/1", 404).at("/detail").asText())
                .isEqualTo("recording " + id + " has no part 1 of speaker s2");
        try (InputStream in = store.read(id + "/tracks/tracks.json", 0, -1)) {
            assertThat(SpeakerTracks.fromJson(new String(in.readAllBytes())).detail())
                    .as("the stored manifest names only what is there").contains("s2-1.ogg was missing");
        }
    }

    /** The recorder died mid-recording: the WebM part it was writing is kept and plays, as the composite is. */
    @Test
    void aRecorderThatDiedLeavesItsGrowingPartsPlayable() throws Exception {
        RecordingOrder order = RecordingOrder.of(RecordingId.generate(), "died-room",
                URI.create("https://meet.example.com/died-room"));
        Path directory = archive.begin(order);
        media.record(directory, 0, 2);
        SpeakerTrackFiles.writeWhileRecording(directory);
        Instant end = Instant.now();
        archive.events(order.id()).accept(new SlotEvent.Failed(order.id(),
                new Failure(Failure.Reason.CAPTURE_DIED, "exit 137 (SIGKILL)"), Optional.empty(),
                Optional.of(new CaptureSpan(end.minusSeconds(4), end, CaptureSpan.EncoderEnd.DIED))));
        RecordingEntry entry = archive.settled(order.id()).get(60, TimeUnit.SECONDS).orElseThrow();
        assertThat(entry.status()).as("%s", entry).isIn(RecordingStatus.READY, RecordingStatus.PARTIAL);

        String url = api(port, "/api/v1/recordings/" + entry.id() + "/tracks").at("/speakers/0/parts/0/url").asText();
        HttpResponse<byte[]> part = fetch(url, null);
        assertThat(part.statusCode()).isEqualTo(200);
        assertThat(part.headers().firstValue("Content-Type")).contains("audio/webm");
        MediaReport report = MediaReport.of(Files.write(work.resolve(entry.id() + ".webm"), part.body()));
        assertThat(report.dominantFrequency()).isCloseTo(SpeakerTrackFiles.ALICE_HZ, within(5.0));
        assertThat(report.duration()).isCloseTo(2.0, within(0.1));
    }

    /** The process died while recording: the next one files what it recorded, speaker tracks included. */
    @Test
    void aRestartFilesTheTracksOfTheRecordingItInterrupted() throws Exception {
        Spool.Settings fast = new Spool.Settings(Duration.ofMillis(100), 8L << 20, Duration.ofMillis(100),
                Duration.ofSeconds(1), 2);
        Path spool = work.resolve("restart-spool");
        RecordingArchive before = new RecordingArchive(catalog, store, FfmpegBinary::bundled,
                new FinalizeCommand(List.of(), Duration.ofMinutes(1)), new ObjectMapper());
        before.open(spool, fast);
        RecordingOrder order = RecordingOrder.of(RecordingId.generate(), "restart-room",
                URI.create("https://meet.example.com/restart-room"));
        Path directory = before.begin(order);
        media.record(directory, 0, 2);
        SpeakerTrackFiles.writeWhileRecording(directory);
        before.spool().close(); // killed: nothing is sealed

        try (RecordingArchive after = new RecordingArchive(catalog, store, FfmpegBinary::bundled,
                new FinalizeCommand(List.of(), Duration.ofMinutes(1)), new ObjectMapper())) {
            after.open(spool, fast);
            RecordingEntry entry = after.settled(order.id()).get(60, TimeUnit.SECONDS).orElseThrow();
            assertThat(entry.status()).as("%s", entry).isEqualTo(RecordingStatus.PARTIAL);
            assertThat(SpeakerTracks.fromJson(entry.tracksJson().orElseThrow()).files())
                    .containsExactly("tracks/s1-1.webm");
            assertThat(store.stat(order.id() + "/tracks/s1-1.webm")).isPresent();
            assertThat(store.stat(order.id() + "/tracks/tracks.json")).isPresent();
        }
    }

    @Test
    void aPageThatOffersNoTracksSaysSoAndOneWithoutTracksHasNone() throws Exception {
        RecordingEntry page = record(archive, "page-room",
                directory -> SpeakerTracks.notOffered("not a Jitsi Meet conference").writeTo(directory));
        assertThat(page.status()).isEqualTo(RecordingStatus.READY);
        JsonNode tracks = api(port, "/api/v1/recordings/" + page.id() + "/tracks");
        assertThat(tracks.at("/capture").asText()).isEqualTo("not-offered");
        assertThat(tracks.at("/detail").asText()).isEqualTo("not a Jitsi Meet conference");
        assertThat(tracks.at("/speakers").size()).isZero();
        assertThat(api(port, "/api/v1/recordings/" + page.id() + "/status").at("/speakerTracks/capture").asText())
                .as("the status says the page offered none").isEqualTo("not-offered");

        RecordingEntry plain = record(archive, "plain-room", directory -> { });
        assertThat(plain.tracksJson()).isEmpty();
        assertThat(api(port, "/api/v1/recordings/" + plain.id() + "/status").has("speakerTracks")).isFalse();
        assertThat(api(port, "/api/v1/recordings/" + plain.id()).at("/links/tracks").isNull()).isTrue();
        assertThat(problem("/api/v1/recordings/" + plain.id() + "/tracks", 404).at("/detail").asText())
                .isEqualTo("recording " + plain.id() + " has no speaker tracks");
        assertThat(problem("/api/v1/recordings/" + plain.id() + "/timeline", 404).at("/code").asText())
                .isEqualTo("recording-not-found");
        assertThat(problem("/api/v1/recordings/" + plain.id() + "/tracks/s1/1", 404).at("/code").asText())
                .isEqualTo("recording-not-found");
    }
}
