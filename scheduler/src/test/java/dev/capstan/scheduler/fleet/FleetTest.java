package dev.capstan.scheduler.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.fixture.LoopbackSpeaker;
import dev.capstan.recorder.fixture.MeetingGuest;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.fixture.ProsodyServer;
import dev.capstan.recorder.fixture.RtmpServer;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.scheduler.jibri.JibriEnvironment;
import dev.capstan.scheduler.jibri.JicofoClient;
import dev.capstan.scheduler.jibri.JicofoSession;
import dev.capstan.storage.fixture.LoopbackPort;
import dev.capstan.storage.fixture.PostgresServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fleet on one machine, as on four hosts: two schedulers and two recorder nodes in separate JVMs, meeting in a
 * pool MUC on a real Prosody and sharing a real PostgreSQL and one store. Node A has two slots, node B one. The
 * steps build on each other: packing, draining, a node killed mid-recording, a scheduler killed and restarted, a
 * session stopped through the scheduler that does not drive it, a room JID recorded on a node with each speaker's
 * sound apart, a node frozen mid-recording, a Jicofo recording whose node is killed (Jicofo retries it on the other
 * node), then the second scheduler killed for good, whose session the first adopts.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = java.util.concurrent.TimeUnit.MINUTES)
class FleetTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROOM = "capstanpool@" + ProsodyServer.INTERNAL_MUC_DOMAIN;
    private static final String USER = "capstan";
    private static final String PASSWORD = "capstanpass";
    private static final double ANN_HZ = 440;
    private static final double BEN_HZ = 1000;

    @TempDir
    static Path directory;
    static PostgresServer postgres;
    static ProsodyServer prosody;
    static int schedulerPort;
    static CapstanProcess scheduler;
    static CapstanProcess secondScheduler;
    static CapstanProcess nodeA;
    static CapstanProcess nodeB;
    static Path store;
    static RtmpServer rtmp;
    /** The fake jitsi-meet that the nodes' Jibri occupants and the rooms recorded by JID are on. */
    static PageServer pages;

    @BeforeAll
    static void startFleet() throws Exception {
        assumeTrue(ProsodyServer.isInstalled(), "prosody is not installed (./capstan test installs it)");
        assumeTrue(RtmpServer.isInstalled(), "nginx with its RTMP module is not installed (./capstan test installs it)");
        postgres = PostgresServer.start();
        rtmp = RtmpServer.start(directory.resolve("rtmp"));
        prosody = ProsodyServer.start(directory.resolve("prosody"));
        prosody.register(USER, ProsodyServer.AUTH_DOMAIN, PASSWORD);
        store = Files.createDirectories(directory.resolve("store"));
        pages = PageServer.start();
        schedulerPort = LoopbackPort.free();
        scheduler = startScheduler();
        secondScheduler = CapstanProcess.start("scheduler-2", LoopbackPort.free(), directory.resolve("scheduler-2"),
                common("scheduler-2", Map.of("capstan.fleet.role", "scheduler",
                        "capstan.instance-name", "scheduler-2")));
        nodeA = startNode("node-a", 2);
        nodeB = startNode("node-b", 1);
        for (CapstanProcess process : List.of(scheduler, secondScheduler, nodeA, nodeB)) {
            process.awaitHttp(Duration.ofSeconds(180));
        }
        // Both nodes are in the pool with every slot warm.
        await(Duration.ofSeconds(90), "both nodes warm in the pool", () -> {
            JsonNode nodes = scheduler.getJson("/api/v1/nodes");
            return node(nodes, "node-a").map(n -> n.get("free").asInt() == 2).orElse(false)
                    && node(nodes, "node-b").map(n -> n.get("free").asInt() == 1).orElse(false);
        });
    }

    /**
     * The scheduler, under a fixed instance name so that a restarted one picks up its sessions. Its restart takes
     * longer than the default 10 s lease: a long lease keeps its sessions its own meanwhile, not scheduler-2's.
     */
    private static CapstanProcess startScheduler() throws Exception {
        Map<String, String> properties = common("scheduler", Map.of("capstan.fleet.role", "scheduler",
                "capstan.instance-name", "scheduler-1", "capstan.instance.lease-term", "5m",
                // Rooms given by JID: their deployment, and an empty meeting ending its recording after 5 s.
                "capstan.jibri.call-status-checks.call-empty-timeout", "5s"));
        properties.putAll(JibriEnvironment.properties(prosody, pages, "scheduler"));
        return CapstanProcess.start("scheduler", schedulerPort, directory.resolve("scheduler"), properties);
    }

    private static CapstanProcess startNode(String name, int slots) throws Exception {
        Map<String, String> properties = common(name, Map.of(
                "spring.profiles.active", "node",
                "capstan.node.slots", Integer.toString(slots),
                // Admission is tested elsewhere; here the fleet decides, not this small machine's CPU.
                "capstan.node.cpu-per-recording", "0.05",
                "capstan.node.cpu-budget", "8",
                "capstan.node.overload-speed", "0.1",
                "capstan.node.drain-timeout", "20s",
                "capstan.recorder.profile", "640x360"));
        // Jicofo's brewery on the node, as on a single host: occupants <name>-1, ... record the fake jitsi-meet.
        properties.putAll(JibriEnvironment.properties(prosody, pages, name));
        return CapstanProcess.start(name, LoopbackPort.free(), directory.resolve(name), properties);
    }

    private static Map<String, String> common(String name, Map<String, String> own) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("spring.datasource.url", postgres.jdbcUrl());
        properties.put("spring.datasource.username", postgres.username());
        properties.put("spring.datasource.password", postgres.password());
        properties.put("capstan.archive.local.root", store.toString());
        properties.put("capstan.archive.spool", directory.resolve(name).resolve("spool").toString());
        properties.put("capstan.jibri.http-api.enabled", "false");
        properties.put("capstan.fleet.xmpp.host", ProsodyServer.HOST);
        properties.put("capstan.fleet.xmpp.port", Integer.toString(prosody.c2sPort()));
        properties.put("capstan.fleet.xmpp.domain", ProsodyServer.AUTH_DOMAIN);
        properties.put("capstan.fleet.xmpp.username", USER);
        properties.put("capstan.fleet.xmpp.password", PASSWORD);
        properties.put("capstan.fleet.xmpp.room", ROOM);
        properties.put("capstan.fleet.xmpp.nickname", name);
        properties.put("capstan.fleet.presence-interval", "1s");
        properties.putAll(own);
        return properties;
    }

    @AfterAll
    static void stopFleet() throws Exception {
        AutoCloseable[] all = {nodeA, nodeB, scheduler, secondScheduler, prosody, postgres, rtmp, pages};
        for (AutoCloseable closeable : all) {
            if (closeable != null) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    System.err.println("closing: " + e);
                }
            }
        }
    }

    @Test
    @Order(10)
    void placementPacksRecordingsOntoTheBusiestNodeThatHasRoom() throws Exception {
        // What the autoscaler scrapes from the scheduler is the pool's capacity, not the scheduler's own (none).
        String metrics = scheduler.get("/actuator/prometheus").body();
        assertThat(metrics).containsPattern("(?m)^capstan_slots_free(\\{[^}]*})? 3\\.0$")
                .containsPattern("(?m)^capstan_nodes\\{[^}]*state=\"ready\"[^}]*} 2\\.0$");
        String first = start();
        awaitOn(first, "node-a");
        String second = start();
        awaitOn(second, "node-a");
        JsonNode nodes = scheduler.getJson("/api/v1/nodes");
        assertThat(node(nodes, "node-b").orElseThrow().get("recordings")).as("node B stays idle").isEmpty();
        assertThat(node(nodes, "node-a").orElseThrow().get("busy").asInt()).isEqualTo(2);

        stop(second);
        awaitSession(second, "done");
        assertThat(catalog(second)).singleElement().satisfies(part -> assertThat(part.status).isEqualTo("READY"));
        firstRecording = first;
    }

    static String firstRecording;

    @Test
    @Order(20)
    void aDrainedNodeFinishesItsRecordingAndTakesNoNewOne() throws Exception {
        assertThat(scheduler.post("/api/v1/nodes/node-a/drain", null).statusCode()).isEqualTo(202);
        await(Duration.ofSeconds(10), "node A draining", () -> node(scheduler.getJson("/api/v1/nodes"), "node-a")
                .map(n -> n.get("draining").asBoolean() && n.get("free").asInt() == 0).orElse(false));
        // Node A is the busier one, but it is draining: the new recording goes to node B.
        String third = start();
        awaitOn(third, "node-b");
        assertThat(reportOf(firstRecording)).hasValueSatisfying(r -> assertThat(r.get("state").asText())
                .isEqualTo("on"));
        stop(firstRecording);
        awaitSession(firstRecording, "done");
        assertThat(catalog(firstRecording)).singleElement().satisfies(part -> {
            assertThat(part.status).isEqualTo("READY");
            assertThat(plays(part)).isGreaterThan(3.0);
        });
        JsonNode drained = node(scheduler.getJson("/api/v1/nodes"), "node-a").orElseThrow();
        assertThat(drained.get("draining").asBoolean()).isTrue();
        assertThat(drained.get("busy").asInt()).isZero();
        assertThat(scheduler.send("DELETE", "/api/v1/nodes/node-a/drain", null).statusCode()).isEqualTo(202);
        await(Duration.ofSeconds(10), "node A back at work", () -> node(scheduler.getJson("/api/v1/nodes"),
                "node-a").map(n -> !n.get("draining").asBoolean() && n.get("free").asInt() == 2).orElse(false));
        survivor = third;
    }

    static String survivor;

    @Test
    @Order(25)
    void aRemoteRecordingsStreamsAreAddedAndRemovedAsOnOneHost() throws Exception {
        String first = "fleet-first-" + System.nanoTime();
        String second = "fleet-second-" + System.nanoTime();
        HttpResponse<String> started = scheduler.post("/api/v1/recordings", JSON.writeValueAsString(Map.of(
                "url", scheduler.uri("/demo").toString(), "mode", "both", "streams", List.of(rtmp.rtmpUrl(first)))));
        assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
        String id = JSON.readTree(started.body()).get("id").asText();
        String streams = "/api/v1/recordings/" + id + "/streams";
        awaitOn(id, "node-a");
        assertThat(rtmp.awaitPublisher(first, Duration.ofSeconds(20))).as("the first destination live").isPresent();

        // Added through the scheduler, streamed by the node.
        HttpResponse<String> added = scheduler.post(streams, JSON.writeValueAsString(Map.of("url",
                rtmp.rtmpUrl(second))));
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        String secondId = JSON.readTree(added.body()).get("id").asText();
        assertThat(added.headers().firstValue("Location")).contains(streams + "/" + secondId);
        assertThat(rtmp.awaitPublisher(second, Duration.ofSeconds(20))).as("the added destination live").isPresent();
        JsonNode both = scheduler.getJson(streams);
        assertThat(both).hasSize(2);
        String firstId = both.get(0).get("id").asText();
        assertThat(scheduler.post(streams, JSON.writeValueAsString(Map.of("url", rtmp.rtmpUrl(second))))
                .statusCode()).as("the same destination twice").isEqualTo(409);

        // Removed through the other scheduler: the shared database says where the recording runs.
        assertThat(secondScheduler.send("DELETE", streams + "/" + firstId, null).statusCode()).isEqualTo(204);
        Awaitility.await().alias("the first destination gone from the node").atMost(Duration.ofSeconds(15))
                .until(() -> rtmp.publishers().stream().noneMatch(publisher -> publisher.name().equals(first)));
        JsonNode left = scheduler.getJson(streams);
        assertThat(left).extracting(stream -> stream.get("id").asText()).containsExactly(secondId);
        assertThat(scheduler.get(streams + "/" + firstId).statusCode()).isEqualTo(404);
        assertThat(scheduler.send("DELETE", streams + "/" + firstId, null).statusCode()).isEqualTo(404);
        String everything = started.body() + added.body() + both + left + scheduler.tail() + nodeA.tail();
        assertThat(everything).as("stream keys are never shown or logged").doesNotContain(first, second);

        stop(id);
        awaitSession(id, "done");
        assertThat(catalog(id)).singleElement().satisfies(part -> {
            assertThat(part.status).isEqualTo("READY");
            assertThat(plays(part)).isGreaterThan(3.0);
        });
        assertThat(rtmp.recordings(second)).as("the added destination got the stream").isNotEmpty();
    }

    @Test
    @Order(26)
    void aRoomJidIsRecordedOnANodeAsJibriJoinsItAndEndsWithItsMeeting() throws Exception {
        String room = "fleetroom";
        String id;
        Instant left;
        // Two speakers whose sound reaches the node's page as real remote WebRTC tracks; they leave the meeting on
        // their own 7 s after the recorder joined, before Alice, who leaves last and empties the meeting.
        LoopbackSpeaker.Window stay = LoopbackSpeaker.Window.between(0, 7);
        pages.loopbackSpeakers(List.of(LoopbackSpeaker.of("Ann", ANN_HZ, Duration.ZERO).present(stay),
                LoopbackSpeaker.of("Ben", BEN_HZ, Duration.ofMillis(500)).present(stay)));
        try (MeetingGuest alice = MeetingGuest.join(prosody, room, "Alice", true)) {
            HttpResponse<String> started = scheduler.post("/api/v1/recordings", JSON.writeValueAsString(Map.of(
                    "room", room + "@" + ProsodyServer.CONFERENCE_DOMAIN, "mode", "file", "speakerTracks", true)));
            assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
            id = JSON.readTree(started.body()).get("id").asText();
            awaitOn(id, "node-a");
            // The node joined as Jibri does: on the hidden domain with the environment's call login (named in the
            // plan, taken from the node's own configuration), telling the room the recording's id.
            Presence announced = alice.awaitPresence(presence -> MeetingGuest.element(presence, "session_id")
                    .filter(id::equals).isPresent(), Duration.ofSeconds(30))
                    .orElseThrow(() -> new AssertionError("no presence in the room with session_id " + id));
            assertThat(MUCUser.from(announced).getItem().getJid().asBareJid().toString())
                    .as("the recorder's real JID, on the hidden domain")
                    .isEqualTo(ProsodyServer.RECORDER_USER + "@" + ProsodyServer.RECORDER_DOMAIN);
            assertThat(MeetingGuest.element(announced, "mode")).contains("file");
            assertThat(MeetingGuest.features(announced)).contains("http://jitsi.org/protocol/jibri");
            // The scheduler shows the node's track capture while it runs; 7 s on is past the speakers' leaving.
            JsonNode capturing = Awaitility.await("7 s recorded, both speakers captured")
                    .atMost(Duration.ofSeconds(30)).ignoreExceptions()
                    .until(() -> scheduler.getJson("/api/v1/recordings/" + id + "/status"),
                            status -> status.path("durationSeconds").asDouble() >= 7
                                    && status.at("/speakerTracks/speakers").asInt() == 2);
            assertThat(capturing.at("/speakerTracks/capture").asText()).isEqualTo("captured");
            left = Instant.now();
        } finally {
            pages.loopbackSpeakers(List.of());
        }
        // Nobody stops it: the node ends it with its meeting (the plan carries the scheduler's call-status checks,
        // here an empty meeting ends after 5 s).
        Awaitility.await("the recording ended with its meeting").atMost(Duration.ofSeconds(40))
                .until(() -> !sessionState(id).isEmpty() && !sessionState(id).equals("on"));
        Duration afterLeaving = Duration.between(left, Instant.now());
        assertThat(afterLeaving).as("from the last participant leaving to the end").isLessThan(
                Duration.ofSeconds(20));
        awaitSession(id, "done");
        assertThat(catalog(id)).singleElement().satisfies(part -> {
            assertThat(part.status).isEqualTo("READY");
            assertThat(plays(part)).isGreaterThan(3.0);
        });
        // Filed by the node with its tracks, served by the scheduler from the shared catalog and store.
        JsonNode tracks = scheduler.getJson("/api/v1/recordings/" + id + "/tracks");
        assertThat(tracks.at("/capture").asText()).isEqualTo("captured");
        assertThat(tracks.at("/speakers")).extracting(speaker -> speaker.at("/displayName").asText())
                .containsExactly("Ann", "Ben");
        for (JsonNode speaker : tracks.at("/speakers")) {
            assertThat(speaker.at("/parts").size()).as("%s's parts", speaker).isEqualTo(1);
        }
        String ben = tracks.at("/speakers/1/parts/0/url").asText();
        HttpResponse<Path> part = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(scheduler.uri(ben)).build(), HttpResponse.BodyHandlers.ofFile(directory.resolve(
                        id + "-ben.ogg")));
        assertThat(part.statusCode()).as("GET " + ben).isEqualTo(200);
        MediaReport report = MediaReport.of(part.body());
        assertThat(report.toneLevelDb(BEN_HZ) - report.toneLevelDb(ANN_HZ)).as("Ben's file is Ben")
                .isGreaterThan(20);
        assertThat(report.duration()).as("Ben's part lasts as listed")
                .isCloseTo(tracks.at("/speakers/1/parts/0/durationMs").asLong() / 1000.0, within(0.5))
                .isGreaterThan(1.5);
        assertThat(scheduler.tail() + nodeA.tail()).as("the call login's password is never logged")
                .doesNotContain(ProsodyServer.RECORDER_PASSWORD);
        System.out.printf("fleet: a room JID's recording ended %d ms after its meeting emptied%n",
                afterLeaving.toMillis());
    }

    @Test
    @Order(30)
    void aKilledNodesRecordingContinuesOnAnotherNodeWithinTenSeconds() throws Exception {
        // Long enough on node B for segments to be in the store.
        Thread.sleep(6_000);
        long killedAt = System.nanoTime();
        nodeB.kill();
        await(Duration.ofSeconds(15), "the recording on again on node A", () -> reportOf(survivor)
                .filter(r -> r.get("node").asText().equals("node-a") && r.get("state").asText().equals("on"))
                .isPresent());
        Duration gap = Duration.ofNanos(System.nanoTime() - killedAt);
        assertThat(gap).as("from kill -9 to recording again").isLessThan(Duration.ofSeconds(10));
        Thread.sleep(5_000);
        JsonNode status = scheduler.getJson("/api/v1/recordings/" + survivor + "/status");
        assertThat(status.get("state").asText()).isEqualTo("on");
        assertThat(status.get("node").asText()).isEqualTo("node-a");
        assertThat(status.get("part").asInt()).isEqualTo(2);
        assertThat(status.get("fps").asDouble()).isGreaterThan(20);
        stop(survivor);
        awaitSession(survivor, "done");
        List<Part> parts = catalog(survivor);
        assertThat(parts).extracting(p -> p.part).containsExactly(1, 2);
        assertThat(parts.get(0).status).as("part 1, salvaged from the store").isEqualTo("PARTIAL");
        assertThat(parts.get(1).status).isEqualTo("READY");
        assertThat(plays(parts.get(0))).as("part 1 plays what reached the store").isGreaterThan(3.0);
        assertThat(plays(parts.get(1))).isGreaterThan(3.0);
        System.out.printf("fleet: recording again %d ms after kill -9; parts %.1f s + %.1f s%n", gap.toMillis(),
                plays(parts.get(0)), plays(parts.get(1)));
    }

    @Test
    @Order(40)
    void aRestartedSchedulerFollowsItsSessionsOnTheNodesAgain() throws Exception {
        String id = start();
        awaitOn(id, "node-a");
        scheduler.kill();
        scheduler = startScheduler();
        scheduler.awaitHttp(Duration.ofSeconds(90));
        // The recording never stopped; the new scheduler knows it from the database and the node's presence.
        await(Duration.ofSeconds(30), "the session followed again", () -> {
            HttpResponse<String> status = scheduler.get("/api/v1/recordings/" + id + "/status");
            JsonNode json = JSON.readTree(status.body());
            return status.statusCode() == 200 && json.path("state").asText().equals("on")
                    && json.path("node").asText().equals("node-a");
        });
        stop(id);
        awaitSession(id, "done");
        assertThat(catalog(id)).singleElement().satisfies(part -> {
            assertThat(part.status).isEqualTo("READY");
            assertThat(plays(part)).isGreaterThan(3.0);
        });
    }

    @Test
    @Order(50)
    void twoSchedulersShareTheSessionsAndEitherCanPauseResumeOrStopOne() throws Exception {
        HttpResponse<String> started = secondScheduler.post("/api/v1/recordings", JSON.writeValueAsString(Map.of(
                "url", scheduler.uri("/demo").toString(), "mode", "file", "resolution", "320x180")));
        assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
        String id = JSON.readTree(started.body()).get("id").asText();
        awaitOn(id, "node-a");
        awaitSession(id, "on");
        // Paused through the scheduler that does not drive it, refused a second pause and resumed through the one
        // that does: the node does it, and the shared database has it.
        HttpResponse<String> paused = scheduler.post("/api/v1/recordings/" + id + "/pause", null);
        assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
        assertThat(JSON.readTree(paused.body()).get("state").asText()).isEqualTo("paused");
        awaitSession(id, "paused");
        HttpResponse<String> again = secondScheduler.post("/api/v1/recordings/" + id + "/pause", null);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
        assertThat(JSON.readTree(again.body()).get("reason").asText()).isEqualTo("already-paused");
        Thread.sleep(2_000);
        HttpResponse<String> resumed = secondScheduler.post("/api/v1/recordings/" + id + "/resume", null);
        assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
        awaitSession(id, "on");
        // Filed and driven by the second scheduler, stopped through the first: the shared database has it.
        stop(id);
        awaitSession(id, "done");
        assertThat(catalog(id)).singleElement().satisfies(part -> {
            assertThat(part.status).isEqualTo("READY");
            assertThat(pictureSize(part)).as("the requested resolution reaches the node").isEqualTo("320x180");
        });
        assertThat(scheduler.getJson("/api/v1/recordings/" + id + "/timeline").get("pauses"))
                .as("the pause, on the recording's timeline").hasSize(1);
    }

    @Test
    @Order(60)
    void aFrozenNodesRecordingContinuesOnAnotherNodeAndTheThawedNodeStopsItsPart() throws Exception {
        nodeB = startNode("node-b", 1);
        nodeB.awaitHttp(Duration.ofSeconds(90));
        await(Duration.ofSeconds(90), "a new node B warm in the pool", () -> node(scheduler.getJson("/api/v1/nodes"),
                "node-b").map(n -> n.get("free").asInt() == 1).orElse(false));
        String id = start();
        awaitOn(id, "node-a");
        Thread.sleep(4_000);
        // Frozen, node A keeps its connection: Prosody sees nothing; its silence is what gives it away.
        long frozenAt = System.nanoTime();
        nodeA.signal("STOP");
        try {
            await(Duration.ofSeconds(20), id + " on at node-b", () -> recordingOn(id, "node-b"));
            Duration gap = Duration.ofNanos(System.nanoTime() - frozenAt);
            assertThat(gap).as("from freezing node A to recording again on B").isLessThan(Duration.ofSeconds(10));
            System.out.printf("fleet: recording again %d ms after node A froze%n", gap.toMillis());
        } finally {
            nodeA.signal("CONT");
        }
        await(Duration.ofSeconds(30), "node A back in the pool", () -> node(scheduler.getJson("/api/v1/nodes"),
                "node-a").isPresent());
        await(Duration.ofSeconds(30), "the thawed node A told to stop its old part", () -> !recordingOn(id, "node-a"));
        Thread.sleep(3_000);
        stop(id);
        awaitSession(id, "done");
        List<Part> parts = catalog(id);
        assertThat(parts).extracting(p -> p.part).containsExactly(1, 2);
        assertThat(parts.get(0).status).as("part 1, salvaged while its node was frozen").isEqualTo("PARTIAL");
        assertThat(plays(parts.get(0))).isGreaterThan(2.0);
        assertThat(parts.get(1).status).isEqualTo("READY");
        assertThat(plays(parts.get(1))).isGreaterThan(3.0);
    }

    @Test
    @Order(70)
    void aJicofoRecordingWhoseNodeDiesContinuesOnAnotherNodeAsOneRecordingWithParts() throws Exception {
        try (JicofoClient client = JicofoClient.connect(prosody, ProsodyServer.BREWERY);
                MeetingGuest alice = MeetingGuest.join(prosody, "fleetstandup", "Alice", true)) {
            Awaitility.await("every slot of both nodes idle in the brewery").atMost(Duration.ofSeconds(90))
                    .until(() -> client.idleOccupants().containsAll(List.of("node-a-1", "node-a-2", "node-b-1")));
            String sessionId = UUID.randomUUID().toString();
            try (JicofoSession jicofo = JicofoSession.start(client, "fleetstandup@conference.localhost", sessionId,
                    "node-b-1")) {
                Awaitility.await("the room shows on").atMost(Duration.ofSeconds(30))
                        .until(() -> jicofo.roomShows().equals("on"));
                String id = jicofoSession(sessionId).get("recordingId").asText();
                // Long enough on node B for segments to be in the store.
                Awaitility.await("6 s recorded on node B").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> nodeB.getJson("/api/v1/recordings/" + id + "/status").path("durationSeconds")
                                .asDouble() >= 6);
                Instant killedAt = Instant.now();
                nodeB.kill();

                JicofoClient.StatusUpdate onAgain = Awaitility.await("on again on node A")
                        .atMost(Duration.ofSeconds(20)).until(() -> client.updates().stream()
                                .filter(update -> update.nick().startsWith("node-a-") && update.at().isAfter(killedAt)
                                        && "on".equals(update.jibri().get("status")))
                                .findFirst(), Optional::isPresent).orElseThrow();
                Duration gap = Duration.between(killedAt, onAgain.at());
                assertThat(gap).as("from kill -9 to on again").isLessThan(Duration.ofSeconds(10));
                assertThat(jicofo.current()).isEqualTo(onAgain.nick());
                assertThat(jicofo.attempts()).extracting(JicofoSession.Attempt::nick)
                        .containsExactly("node-b-1", onAgain.nick());
                Awaitility.await("part 2 recording").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                        .until(() -> jicofoSession(sessionId).get("state").asText().equals("on")
                                && Duration.between(onAgain.at(), Instant.now()).toSeconds() >= 4);
                assertThat(jicofo.published()).as("the room never saw off").extracting(JicofoSession.Published::status)
                        .containsOnly("on");
                jicofo.stop();
                awaitSession(id, "done");
                assertThat(scheduler.getJson("/api/v1/sessions").findValues("sessionId"))
                        .as("one session").filteredOn(value -> value.asText().equals(sessionId)).hasSize(1);

                // Part 1 is salvaged once it has stayed unfinished a while after the retry: its node did not stop it.
                JsonNode parts = Awaitility.await("part 1 salvaged").atMost(Duration.ofSeconds(30))
                        .until(() -> scheduler.getJson("/api/v1/recordings/" + id).get("parts"),
                                all -> all.get(0).get("status").asText().equals("PARTIAL"));
                assertThat(parts).as("one recording with its parts").hasSize(2);
                assertThat(parts.get(0).get("part").asInt()).isEqualTo(1);
                assertThat(parts.get(0).get("status").asText()).as("part 1, salvaged").isEqualTo("PARTIAL");
                assertThat(parts.get(0).get("lossCause").asText()).isEqualTo("node-lost");
                assertThat(parts.get(1).get("part").asInt()).isEqualTo(2);
                assertThat(parts.get(1).get("status").asText()).isEqualTo("READY");
                double first = playsFromApi(parts.get(0));
                double second = playsFromApi(parts.get(1));
                assertThat(first).as("part 1 plays what reached the store").isGreaterThan(3.0);
                assertThat(second).isGreaterThan(3.0);
                System.out.printf("fleet: Jicofo's recording on again %d ms after kill -9 of its node; parts %.1f s"
                        + " + %.1f s%n", gap.toMillis(), first, second);
            }
        }
        nodeB = startNode("node-b", 1);
        nodeB.awaitHttp(Duration.ofSeconds(90));
    }

    /** The session Jicofo's {@code session_id} names, as the scheduler lists it. */
    private static JsonNode jicofoSession(String sessionId) throws Exception {
        for (JsonNode session : scheduler.getJson("/api/v1/sessions")) {
            if (sessionId.equals(session.path("sessionId").asText())) {
                return session;
            }
        }
        throw new AssertionError("no session " + sessionId);
    }

    /** Downloads a part's media from the scheduler's API and plays it; returns its length in seconds. */
    private static double playsFromApi(JsonNode part) throws Exception {
        HttpResponse<byte[]> media = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest
                .newBuilder(scheduler.uri(part.get("media").asText())).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(media.statusCode()).as("media of part " + part.get("part")).isEqualTo(200);
        Path file = Files.write(directory.resolve(part.get("id").asText() + ".mp4"), media.body());
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
            grabber.start();
            int images = 0;
            while (grabber.grabImage() != null && images < 30) {
                images++;
            }
            assertThat(images).as("video frames in part " + part.get("part")).isEqualTo(30);
            return grabber.getLengthInTime() / 1e6;
        }
    }

    @Test
    @Order(90)
    void aSchedulerGoneForGoodHasItsSessionAdoptedByTheOtherWithinThirtySeconds() throws Exception {
        HttpResponse<String> started = secondScheduler.post("/api/v1/recordings", JSON.writeValueAsString(Map.of(
                "url", scheduler.uri("/demo").toString(), "mode", "file")));
        assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
        String id = JSON.readTree(started.body()).get("id").asText();
        try {
            Awaitility.await(id + " on").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> sessionState(id).equals("on") && reportOf(id)
                            .filter(report -> report.get("state").asText().equals("on")).isPresent());
            long onAt = System.nanoTime();
            assertThat(owner(id)).isEqualTo("scheduler-2");
            Thread.sleep(3_000);

            long killedAt = System.nanoTime();
            secondScheduler.kill();
            // scheduler-2 never comes back: its lease (10 s by default) expires and scheduler-1 adopts the session.
            Awaitility.await(id + " owned by scheduler-1").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250)).until(() -> owner(id).equals("scheduler-1"));
            Duration adoption = Duration.ofNanos(System.nanoTime() - killedAt);
            // Only the scheduler that drives a fleet session knows where it runs.
            Awaitility.await("scheduler-1 following " + id).atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(250)).until(() -> {
                        HttpResponse<String> status = scheduler.get("/api/v1/recordings/" + id + "/status");
                        JsonNode json = JSON.readTree(status.body());
                        return status.statusCode() == 200 && json.path("state").asText().equals("on")
                                && !json.path("node").asText().isEmpty();
                    });
            assertThat(scheduler.get("/actuator/prometheus").body())
                    .containsPattern("(?m)^capstan_session_adoptions_total(\\{[^}]*})? 1\\.0$");

            stop(id);
            double onFor = (System.nanoTime() - onAt) / 1e9;
            Awaitility.await(id + " done").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> sessionState(id).equals("done"));
            List<Part> parts = catalog(id);
            assertThat(parts).as("one recording, one part").hasSize(1);
            Part recording = parts.get(0);
            assertThat(recording.status).isEqualTo("READY");
            double played = plays(recording);
            assertThat(played).as("plays as long as it was on (%.1f s)", onFor).isCloseTo(onFor, within(3.0));
            System.out.printf("fleet: session adopted by scheduler-1 %d ms after scheduler-2 was killed; "
                    + "on for %.1f s, plays %.1f s%n", adoption.toMillis(), onFor, played);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\n--- scheduler ---\n" + scheduler.tail()
                    + "\n--- scheduler-2 ---\n" + secondScheduler.tail(), e);
        }
    }

    /** The session's state as the sessions API of scheduler-1 shows it; empty if it does not list it. */
    private static String sessionState(String id) throws Exception {
        for (JsonNode session : scheduler.getJson("/api/v1/sessions")) {
            if (session.get("recordingId").asText().equals(id)) {
                return session.get("state").asText();
            }
        }
        return "";
    }

    /** The scheduler instance that drives the session, from the shared database itself. */
    private static String owner(String id) throws Exception {
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(),
                postgres.password());
             PreparedStatement query = connection.prepareStatement(
                     "select owner from session where recording_id = ?")) {
            query.setString(1, id);
            try (ResultSet rows = query.executeQuery()) {
                return rows.next() ? rows.getString(1) : "";
            }
        }
    }

    /** Whether the node reports a part of the recording as on the air. */
    private static boolean recordingOn(String id, String nodeName) throws Exception {
        Optional<JsonNode> found = node(scheduler.getJson("/api/v1/nodes"), nodeName);
        if (found.isEmpty()) {
            return false;
        }
        for (JsonNode recording : found.get().get("recordings")) {
            if (recording.get("id").asText().equals(id) && recording.get("state").asText().equals("on")) {
                return true;
            }
        }
        return false;
    }

    // --- helpers -------------------------------------------------------------------------------------------

    private static String start() throws Exception {
        HttpResponse<String> response = scheduler.post("/api/v1/recordings", JSON.writeValueAsString(Map.of(
                "url", scheduler.uri("/demo").toString(), "mode", "file")));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return JSON.readTree(response.body()).get("id").asText();
    }

    private static void stop(String id) throws Exception {
        HttpResponse<String> response = scheduler.post("/api/v1/recordings/" + id + "/stop", null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    }

    private static void awaitOn(String id, String nodeName) throws Exception {
        await(Duration.ofSeconds(30), id + " on at " + nodeName, () -> reportOf(id)
                .filter(r -> r.get("node").asText().equals(nodeName) && r.get("state").asText().equals("on"))
                .isPresent());
    }

    /** The node's report of the recording's current part, with the node's name added. */
    private static Optional<JsonNode> reportOf(String id) throws Exception {
        Optional<JsonNode> found = Optional.empty();
        for (JsonNode node : scheduler.getJson("/api/v1/nodes")) {
            for (JsonNode recording : node.get("recordings")) {
                if (recording.get("id").asText().equals(id) && !recording.get("state").asText().equals("stopped")
                        && !recording.get("state").asText().equals("failed")) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) recording).put("node", node.get("name").asText());
                    found = Optional.of(recording);
                }
            }
        }
        return found;
    }

    private static void awaitSession(String id, String state) throws Exception {
        await(Duration.ofSeconds(60), id + " " + state, () -> {
            for (JsonNode session : scheduler.getJson("/api/v1/sessions")) {
                if (session.get("recordingId").asText().equals(id)) {
                    return session.get("state").asText().equals(state);
                }
            }
            return false;
        });
    }

    private static Optional<JsonNode> node(JsonNode nodes, String name) {
        for (JsonNode node : nodes) {
            if (node.get("name").asText().equals(name)) {
                return Optional.of(node);
            }
        }
        return Optional.empty();
    }

    record Part(String id, int part, String status, String mediaKey) {
    }

    /** The catalog's parts of a recording, read from the shared database itself. */
    private static List<Part> catalog(String id) throws Exception {
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.username(),
                postgres.password());
             PreparedStatement query = connection.prepareStatement(
                     "select id, part, status, media_key from recording where id = ? or parent_id = ? order by part")) {
            query.setString(1, id);
            query.setString(2, id);
            List<Part> parts = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    parts.add(new Part(rows.getString(1), rows.getInt(2), rows.getString(3), rows.getString(4)));
                }
            }
            return parts;
        }
    }

    /** Plays the part's media from the store and returns its length in seconds; it must have video frames. */
    private static double plays(Part part) throws Exception {
        Path media = store.resolve(part.mediaKey());
        assertThat(media).exists();
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(media.toFile())) {
            grabber.start();
            int images = 0;
            Frame frame;
            while ((frame = grabber.grabImage()) != null && images < 30) {
                images++;
            }
            assertThat(images).as("video frames in " + part).isEqualTo(30);
            return grabber.getLengthInTime() / 1e6;
        }
    }

    private static String pictureSize(Part part) throws Exception {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(store.resolve(part.mediaKey()).toFile())) {
            grabber.start();
            return grabber.getImageWidth() + "x" + grabber.getImageHeight();
        }
    }

    /** Awaitility, with what every process of the fleet last logged when it times out. */
    private static void await(Duration timeout, String what, Callable<Boolean> condition) {
        try {
            Awaitility.await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions().until(condition);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\n--- scheduler ---\n" + scheduler.tail()
                    + "\n--- node-a ---\n" + nodeA.tail() + "\n--- node-b ---\n" + nodeB.tail(), e);
        }
    }
}
