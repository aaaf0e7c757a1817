package dev.capstan.scheduler.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.recorder.fixture.CpuHog;
import dev.capstan.recorder.fixture.LoopbackSpeaker;
import dev.capstan.recorder.fixture.LoopbackSpeaker.Window;
import dev.capstan.recorder.fixture.MeetingGuest;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.fixture.ProsodyServer;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.node.Node;
import dev.capstan.scheduler.jibri.JibriEnvironment;
import dev.capstan.storage.blob.BlobStore;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Each speaker of a Jitsi room on a track of their own, end to end over REST: a room JID of the fake jitsi-meet on a
 * real Prosody, joined on the hidden domain with the environment's call login, with two speakers whose sound arrives
 * as real remote WebRTC tracks (Alice at 440 Hz throughout, Bob at 1000 Hz leaving and coming back) and a guest who
 * sends nothing (Carol). The status says
 * the tracks are captured while it runs; once filed, the API lists both speakers, Bob in two parts with the gap on
 * the timeline, and every part downloads (with byte ranges) playing its own speaker and not the other. A core is
 * held busy while it records.
 */
@Tag("media")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        ControlApi.SLOTS, ControlApi.KEYS, ControlApi.QUEUE_TIMEOUT})
class RoomSpeakerTracksLiveTest {

    private static final double ALICE_HZ = 440;
    private static final double BOB_HZ = 1000;
    private static final Duration WARM = Duration.ofSeconds(90);
    private static final Duration LIVE = Duration.ofSeconds(45);
    /** Bob's return, seconds after the recorder joined; the recording runs past it. */
    private static final double BOB_BACK = 8.5;

    @AutoClose
    static ProsodyServer prosody;
    @AutoClose
    static PageServer pages;
    @TempDir
    static Path downloads;

    @Autowired
    Node node;
    @Autowired
    BlobStore store;
    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void jitsi(DynamicPropertyRegistry registry) throws Exception {
        prosody = ProsodyServer.start(Files.createTempDirectory("capstan-prosody"));
        pages = PageServer.start();
        pages.loopbackSpeakers(List.of(
                LoopbackSpeaker.of("Alice", ALICE_HZ, Duration.ZERO),
                LoopbackSpeaker.of("Bob", BOB_HZ, Duration.ofMillis(500))
                        .present(Window.between(0, 5), Window.from(BOB_BACK))));
        JibriEnvironment.properties(prosody, pages, "capstan").forEach((key, value) -> registry.add(key, () -> value));
    }

    @Test
    void aRoomRecordedWithSpeakerTracksFilesEachSpeakersSoundApart() throws Exception {
        ControlApi api = new ControlApi(port);
        // Carol is in the room over XMPP with no track at all: she is on no file.
        try (MeetingGuest carol = MeetingGuest.join(prosody, "podcast", "Carol", false)) {
            recordAndCheck(api, carol);
        }
    }

    private void recordAndCheck(ControlApi api, MeetingGuest carol) throws Exception {
        String body = "{\"room\":\"podcast@" + ProsodyServer.CONFERENCE_DOMAIN + "\",\"speakerTracks\":true,"
                + "\"maxDuration\":\"PT1M\"}";
        JsonNode started = api.startWhenIdle(node, WARM, body);
        String id = started.at("/id").asText();
        String recording = "/api/v1/recordings/" + id;
        // The node joined as Jibri does: on the hidden domain with the environment's call login.
        Presence announced = carol.awaitPresence(presence -> MeetingGuest.element(presence, "session_id")
                .filter(id::equals).isPresent(), LIVE)
                .orElseThrow(() -> new AssertionError("no presence in the room with session_id " + id));
        assertThat(MUCUser.from(announced).getItem().getJid().asBareJid().toString())
                .isEqualTo(ProsodyServer.RECORDER_USER + "@" + ProsodyServer.RECORDER_DOMAIN);

        // A core held busy while it records: the capture must not need a quiet machine.
        try (CpuHog hog = CpuHog.steady(1)) {
            JsonNode capturing = ControlApi.within(LIVE, "both speakers captured while it runs", () -> {
                JsonNode status = api.get(recording + "/status").expect(200);
                return status.at("/state").asText().equals("on")
                        && status.at("/speakerTracks/speakers").asInt() == 2 ? status : null;
            });
            assertThat(capturing.at("/speakerTracks/capture").asText()).isEqualTo("captured");
            assertThat(capturing.at("/speakerTracks/detail").asText()).isEmpty();
            // Past Bob's return and a few of his beeps: about 13 s of recording in all.
            ControlApi.within(LIVE, "Bob back a while", () -> {
                JsonNode status = api.get(recording + "/status").expect(200);
                return status.at("/durationSeconds").asDouble() >= BOB_BACK + 4 ? status : null;
            });
            api.post(recording + "/stop", "").expect(202);
        }

        JsonNode entry = ControlApi.within(LIVE, "READY in the catalog", () -> {
            JsonNode found = api.get(recording).expect(200);
            return found.at("/status").asText().equals("READY") ? found : null;
        });
        assertThat(entry.at("/links/tracks").asText()).isEqualTo(recording + "/tracks");

        JsonNode tracks = api.get(recording + "/tracks").expect(200);
        assertThat(tracks.at("/capture").asText()).isEqualTo("captured");
        JsonNode speakers = tracks.at("/speakers");
        assertThat(speakers).extracting(speaker -> speaker.at("/displayName").asText())
                .as("Carol sent nothing: no file of hers").containsExactly("Alice", "Bob");
        JsonNode alice = speakers.get(0);
        JsonNode bob = speakers.get(1);
        assertThat(alice.at("/parts").size()).isEqualTo(1);
        assertThat(bob.at("/parts").size()).as("Bob left and came back").isEqualTo(2);
        long gap = bob.at("/parts/1/offsetMs").asLong()
                - (bob.at("/parts/0/offsetMs").asLong() + bob.at("/parts/0/durationMs").asLong());
        assertThat(gap).as("Bob was away 3.5 s: the gap is on the timeline").isBetween(2_500L, 4_500L);
        assertThat(bob.at("/present").size()).as("Bob's two stays").isEqualTo(2);

        MediaReport aliceFile = assertPlays(api, alice.at("/parts/0"), ALICE_HZ, BOB_HZ);
        // Alice is there throughout: her file spans the recording, from its start to its end (by the file's own
        // timestamps: under heavy load the page's recorder leaves holes in them, see assertPlays).
        long recorded = Math.round(entry.at("/durationSeconds").asDouble() * 1000);
        long aliceFrom = alice.at("/parts/0/offsetMs").asLong();
        assertThat(aliceFrom).as("Alice from the start").isBetween(0L, 1_000L);
        assertThat(aliceFrom + Math.round(aliceFile.duration() * 1000))
                .as("Alice to the end of the %d ms recorded", recorded).isGreaterThan(recorded - 2_000);
        for (JsonNode part : bob.at("/parts")) {
            assertPlays(api, part, BOB_HZ, ALICE_HZ);
        }
        assertRanges(api, bob.at("/parts/1/url").asText());

        JsonNode timeline = api.get(recording + "/timeline").expect(200);
        assertThat(timeline.at("/timeline")).extracting(audible -> audible.at("/displayName").asText())
                .as("who was audible when").contains("Alice", "Bob");
        assertThat(timeline.at("/timeline")).filteredOn(audible -> audible.at("/displayName").asText().equals("Bob"))
                .as("nothing of Bob while he is away")
                .noneMatch(audible -> audible.at("/toMs").asLong() > bob.at("/present/0/toMs").asLong() + 300
                        && audible.at("/fromMs").asLong() < bob.at("/present/1/fromMs").asLong() - 300);

        JsonNode metadata;
        try (InputStream in = store.read(id + "/metadata.json", 0, -1)) {
            metadata = ControlApi.JSON.readTree(in);
        }
        assertThat(metadata.at("/speaker_tracks/capture").asText()).isEqualTo("captured");
        assertThat(metadata.at("/speaker_tracks/speakers")).extracting(speaker -> speaker.at("/displayName").asText())
                .containsExactly("Alice", "Bob");
        System.out.printf("room speaker tracks over REST: recording %.2f s; Alice from %d ms for %d ms, Bob %d + %d ms"
                + " with a %d ms gap%n", entry.at("/durationSeconds").asDouble(), aliceFrom,
                alice.at("/parts/0/durationMs").asLong(), bob.at("/parts/0/durationMs").asLong(),
                bob.at("/parts/1/durationMs").asLong(), gap);
    }

    /** Downloads the part from the API: Ogg/Opus, its speaker's tone more than 20 dB above the other's; its report. */
    private static MediaReport assertPlays(ControlApi api, JsonNode part, double own, double other) throws Exception {
        String url = part.at("/url").asText();
        Path file = downloads.resolve(url.replaceAll("[^a-z0-9]+", "-") + ".ogg");
        HttpResponse<Path> download = HttpClient.newHttpClient().send(api.request(url).GET().build(),
                HttpResponse.BodyHandlers.ofFile(file));
        assertThat(download.statusCode()).as(url).isEqualTo(200);
        assertThat(download.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
                assertThat(type).startsWith("audio/"));
        assertThat(Files.size(file)).as("%s is as large as listed", url).isEqualTo(part.at("/bytes").asLong());
        MediaReport report = MediaReport.of(file);
        assertThat(report.hasPicture()).isFalse();
        double apart = report.toneLevelDb(own) - report.toneLevelDb(other);
        double sound = report.audio().length / (double) report.sampleRate();
        System.out.printf("%s: %.0f Hz %.1f dB above %.0f Hz; %.3f s of sound, %.3f s by its container%n", url, own,
                apart, other, sound, report.duration());
        assertThat(apart).as("%s carries its own speaker, not the other", url).isGreaterThan(20);
        // The sound itself, as the listing measured it. The file's own length counts holes in its Opus timestamps
        // too: 0.02-0.1 s in 12 s on a quiet machine, 0.3-0.6 s beside a CpuHog, 4 s in 15 s at load 24 on 2 cores.
        assertThat(sound * 1000).as("%s has the sound listed", url)
                .isCloseTo(part.at("/durationMs").asDouble(), within(100.0));
        return report;
    }

    /** A byte range of a part is exactly those bytes, as a player seeking in it asks. */
    private static void assertRanges(ControlApi api, String url) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        byte[] all = http.send(api.request(url).GET().build(), HttpResponse.BodyHandlers.ofByteArray()).body();
        HttpRequest ranged = api.request(url).header("Range", "bytes=100-1099").GET().build();
        HttpResponse<byte[]> range = http.send(ranged, HttpResponse.BodyHandlers.ofByteArray());
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.headers().firstValue("Content-Range")).contains("bytes 100-1099/" + all.length);
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(all, 100, 1100));
    }
}
