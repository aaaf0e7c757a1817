package dev.capstan.scheduler.events.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.session.FailureReason;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.SessionFailure;
import dev.capstan.scheduler.session.SessionState;
import dev.capstan.storage.archive.LossCause;
import dev.capstan.storage.archive.MediaLoss;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingMode;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.fixture.LoopbackPort;
import dev.capstan.storage.fixture.PostgresServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Webhooks end to end: real sessions moving through their life, real HTTP receivers on loopback (healthy, failing,
 * down, hung), and the delivery log in a real database.
 */
@Timeout(60)
class WebhookDeliveryTest {

    private static final ObjectMapper json = new ObjectMapper();

    @Test
    void aRecordingsLifeReachesTheReceiverInOrderSignedAndWithoutTheMeetingsToken() throws Exception {
        try (Receiver receiver = Receiver.healthy();
             Rig rig = new Rig(Rig.h2(), Rig.settings(Duration.ofSeconds(2), 3, Duration.ofMillis(100), 100,
                     Rig.subscriber(receiver.url())))) {
            Session recorded = rig.file();
            rig.sessions.moveTo(recorded, new SessionState.On(Instant.now()));
            rig.sessions.moveTo(recorded, new SessionState.Stopping(Instant.now()));
            rig.sessions.moveTo(recorded, new SessionState.Finalizing(Instant.now(), "requested"));
            rig.sessions.moveTo(recorded, new SessionState.Done(Instant.now()));
            List<Receiver.Received> life = receiver.awaitRequests(4, Duration.ofSeconds(5));

            Session failing = rig.file();
            rig.sessions.moveTo(failing, new SessionState.Failed(Instant.now(),
                    new SessionFailure(FailureReason.BROWSER_FAILED, "page did not load", true)));
            List<Receiver.Received> all = receiver.awaitRequests(6, Duration.ofSeconds(5));

            // Stopping makes no event; the others arrive in the order they happened.
            assertThat(life).extracting(request -> request.header("Capstan-Event"))
                    .containsExactly("recording.started", "recording.on", "recording.stopped", "recording.ready");
            assertThat(all.subList(4, 6)).extracting(request -> request.header("Capstan-Event"))
                    .containsExactly("recording.started", "recording.failed");
            for (Receiver.Received request : all) {
                JsonNode body = json.readTree(request.body());
                assertThat(body.at("/type").asText()).isEqualTo(request.header("Capstan-Event"));
                assertThat(body.at("/id").asText()).matches("[0-9a-f-]{36}");
                assertThat(Instant.parse(body.at("/createdAt").asText()))
                        .isBetween(Instant.now().minusSeconds(30), Instant.now());
                assertThat(request.header("Content-Type")).isEqualTo("application/json");
                assertThat(request.header("User-Agent")).isEqualTo("Capstan");
                assertThat(request.header("Capstan-Delivery")).isNotBlank();
                assertThat(request.body()).doesNotContain(Rig.SECRET, "jwt", "eyJ", "config.x");
                assertSignedWith(Rig.SECRET, request);
            }
            assertThat(all).extracting(request -> request.header("Capstan-Delivery")).doesNotHaveDuplicates();

            JsonNode ready = json.readTree(life.get(3).body()).at("/recording");
            assertThat(ready.at("/id").asText()).isEqualTo(recorded.recordingId().value());
            assertThat(ready.at("/origin").asText()).isEqualTo("rest");
            assertThat(ready.at("/sessionId").asText()).isEqualTo(recorded.sessionId().orElseThrow());
            assertThat(ready.at("/mode").asText()).isEqualTo("file");
            assertThat(ready.at("/meeting").asText()).isEqualTo("https://meet.example.com/standup");
            assertThat(ready.at("/state").asText()).isEqualTo("done");
            assertThat(ready.at("/metadata")).isEqualTo(json.readTree("{\"customer\": \"acme\", \"ticket\": 42}"));
            assertThat(ready.has("reason")).isFalse();
            assertThat(life).extracting(request -> json.readTree(request.body()).at("/recording/state").asText())
                    .containsExactly("pending", "on", "finalizing", "done");
            assertThat(json.readTree(life.get(2).body()).at("/recording/reason").asText()).isEqualTo("requested");

            JsonNode failed = json.readTree(all.get(5).body()).at("/recording");
            assertThat(failed.at("/id").asText()).isEqualTo(failing.recordingId().value());
            assertThat(failed.at("/state").asText()).isEqualTo("failed");
            assertThat(failed.at("/reason").asText()).isEqualTo("browser-failed: page did not load");
            assertThat(failed.at("/retryable").isBoolean()).isTrue();
            assertThat(failed.at("/retryable").asBoolean()).isTrue();

            List<LoggedDelivery> logged = rig.awaitLog(recorded.recordingId().value(),
                    entries -> entries.size() == 4 && entries.stream().allMatch(e -> e.state().equals("delivered")));
            assertThat(logged).extracting(LoggedDelivery::type).containsExactly("recording.ready",
                    "recording.stopped", "recording.on", "recording.started");
            assertThat(logged).allSatisfy(entry -> {
                assertThat(entry.attempts()).isEqualTo(1);
                assertThat(entry.lastStatus()).isEqualTo(200);
                assertThat(entry.deliveredAt()).isNotNull();
                assertThat(entry.subscriber()).isEqualTo(receiver.url().toString());
            });
            // The receiver answers before the sender counts the answer: give the last count a moment.
            rig.awaitCount("delivered", 6);
            assertThat(rig.count("retried")).isZero();
        }
    }

    @Test
    void aFinalEventSaysWhatTheArchiveKeptAndAPartialRecordingIsAnnouncedAsSuch() throws Exception {
        try (Receiver receiver = Receiver.healthy();
             Rig rig = new Rig(Rig.h2(), Rig.settings(Duration.ofSeconds(2), 3, Duration.ofMillis(100), 100,
                     Rig.subscriber(receiver.url(), "recording.ready", "recording.failed")))) {
            Session partial = rig.file();
            rig.archived.put(partial.recordingId(), settled(partial, RecordingStatus.PARTIAL,
                    Optional.of(new MediaLoss(LossCause.ENCODER_DIED, Duration.ofMillis(2_040)))));
            rig.sessions.moveTo(partial, new SessionState.On(Instant.now()));
            rig.sessions.moveTo(partial, new SessionState.Finalizing(Instant.now(), "capture-died: exit 137"));
            rig.sessions.moveTo(partial, new SessionState.Done(Instant.now()));
            Session whole = rig.file();
            rig.archived.put(whole.recordingId(), settled(whole, RecordingStatus.READY, Optional.empty(),
                    Optional.of("{\"capture\":\"captured\",\"detail\":\"\",\"speakers\":[" + speaker("s1", true) + ","
                            + speaker("s2", true) + "," + speaker("s3", false) + "],\"timeline\":[]}")));
            rig.sessions.moveTo(whole, new SessionState.Finalizing(Instant.now(), "requested"));
            rig.sessions.moveTo(whole, new SessionState.Done(Instant.now()));
            Session unknown = rig.file();
            rig.sessions.moveTo(unknown, new SessionState.Failed(Instant.now(),
                    new SessionFailure(FailureReason.PAGE_UNREACHABLE, "x", true)));
            // Recordings' events go out in parallel: each is found by its recording.
            List<Receiver.Received> all = receiver.awaitRequests(3, Duration.ofSeconds(5));
            Map<String, Receiver.Received> byRecording = new java.util.HashMap<>();
            for (Receiver.Received request : all) {
                byRecording.put(json.readTree(request.body()).at("/recording/id").asText(), request);
            }

            Receiver.Received announced = byRecording.get(partial.recordingId().value());
            JsonNode lost = json.readTree(announced.body()).at("/recording");
            assertThat(announced.header("Capstan-Event")).isEqualTo("recording.ready");
            assertThat(lost.at("/state").asText()).isEqualTo("done");
            assertThat(lost.at("/status").asText()).isEqualTo("partial");
            assertThat(lost.at("/lostSeconds").asDouble()).isEqualTo(2.04);
            assertThat(lost.at("/lossCause").asText()).isEqualTo("encoder-died");
            assertThat(lost.at("/durationSeconds").asDouble()).isEqualTo(41.5);
            assertThat(lost.at("/deliveredFps").asDouble()).isEqualTo(29.1);

            JsonNode ready = json.readTree(byRecording.get(whole.recordingId().value()).body()).at("/recording");
            assertThat(ready.at("/status").asText()).isEqualTo("ready");
            assertThat(ready.at("/lostSeconds").asDouble()).isZero();
            assertThat(ready.has("lossCause")).isFalse();
            assertThat(ready.at("/speakerTracks").toString()).as("two of three speakers have files")
                    .isEqualTo("{\"capture\":\"captured\",\"speakers\":2}");
            assertThat(lost.has("speakerTracks")).as("none asked for").isFalse();

            // Not in the archive (it never started): nothing is claimed about media.
            JsonNode failed = json.readTree(byRecording.get(unknown.recordingId().value()).body()).at("/recording");
            assertThat(failed.at("/state").asText()).isEqualTo("failed");
            assertThat(failed.has("status")).isFalse();
            assertThat(failed.has("lostSeconds")).isFalse();
        }
    }

    /** A speaker of a speaker-tracks manifest, with a file or without. */
    private static String speaker(String id, boolean withFile) {
        return "{\"id\":\"" + id + "\",\"key\":\"" + id + "\",\"parts\":["
                + (withFile ? "{\"number\":1,\"file\":\"tracks/" + id + "-1.ogg\",\"offsetMs\":0,\"durationMs\":1000,"
                        + "\"bytes\":10}" : "")
                + "],\"participantIds\":[],\"present\":[],\"muted\":[],\"audible\":[]}";
    }

    private static RecordingEntry settled(Session session, RecordingStatus status, Optional<MediaLoss> loss) {
        return settled(session, status, loss, Optional.empty());
    }

    /** What the catalog would hold of a settled recording of 41.5 s at 29.1 fps. */
    private static RecordingEntry settled(Session session, RecordingStatus status, Optional<MediaLoss> loss,
            Optional<String> tracks) {
        Instant now = Instant.now();
        return new RecordingEntry(session.recordingId(), Optional.empty(), "https://meet.example.com/standup",
                Optional.empty(), RecordingMode.FILE, status, Optional.empty(), now.minusSeconds(45),
                Optional.of(now), Optional.of(Duration.ofMillis(41_500)), Optional.of(1L), Optional.empty(),
                Optional.of("local"), Optional.of("media.mp4"), Optional.empty(), "[]", "{}", now, now, 3,
                Optional.empty(), 1, loss, Optional.of(29.1), Optional.empty(), tracks, Optional.empty());
    }

    @Test
    void aReceiverThatIsDownOrHangsDelaysNoOtherAndIsGivenUpAfterMaxAttempts() throws Exception {
        URI down = URI.create("http://127.0.0.1:" + LoopbackPort.free() + "/hooks");
        try (Receiver healthy = Receiver.healthy();
             HangingReceiver hanging = new HangingReceiver();
             Rig rig = new Rig(Rig.h2(), Rig.settings(Duration.ofMillis(250), 3, Duration.ofMillis(100), 100,
                     Rig.subscriber(down), Rig.subscriber(hanging.url()), Rig.subscriber(healthy.url())))) {
            Session session = rig.file();
            List<Runnable> moves = List.of(
                    () -> rig.sessions.moveTo(session, new SessionState.On(Instant.now())),
                    () -> rig.sessions.moveTo(session, new SessionState.Finalizing(Instant.now(), "requested")),
                    () -> rig.sessions.moveTo(session, new SessionState.Done(Instant.now())));
            Instant moved = Instant.now();
            for (int event = 1; event <= 4; event++) {
                if (event > 1) {
                    Thread.sleep(150);
                    moved = Instant.now();
                    moves.get(event - 2).run();
                }
                Receiver.Received got = healthy.awaitRequests(event, Duration.ofSeconds(1)).get(event - 1);
                assertThat(Duration.between(moved, got.at())).as("event %d to the healthy receiver", event)
                        .isLessThan(Duration.ofSeconds(1));
            }
            // The healthy receiver has everything while the others are still on their first event.
            Map<String, List<LoggedDelivery>> meanwhile = bySubscriber(rig, session);
            assertThat(meanwhile.get(shown(down))).anySatisfy(entry -> assertThat(entry.state()).isEqualTo("pending"));
            assertThat(meanwhile.get(shown(hanging.url())))
                    .anySatisfy(entry -> assertThat(entry.state()).isEqualTo("pending"));
            assertThat(hanging.accepted()).isPositive();

            List<LoggedDelivery> settled = rig.awaitLog(session.recordingId().value(), entries -> entries.size() == 12
                    && entries.stream().noneMatch(entry -> entry.state().equals("pending")));
            Map<String, List<LoggedDelivery>> bySubscriber = settled.stream()
                    .collect(Collectors.groupingBy(LoggedDelivery::subscriber));
            assertThat(bySubscriber.get(shown(healthy.url()))).allSatisfy(entry -> {
                assertThat(entry.state()).isEqualTo("delivered");
                assertThat(entry.attempts()).isEqualTo(1);
            });
            assertThat(bySubscriber.get(shown(down))).hasSize(4).allSatisfy(entry -> {
                assertThat(entry.state()).isEqualTo("given-up");
                assertThat(entry.attempts()).isEqualTo(3);
                assertThat(entry.lastStatus()).isNull();
                assertThat(entry.lastError()).startsWith("cannot connect");
                assertThat(entry.nextAttemptAt()).isNull();
            });
            assertThat(bySubscriber.get(shown(hanging.url()))).hasSize(4).allSatisfy(entry -> {
                assertThat(entry.state()).isEqualTo("given-up");
                assertThat(entry.attempts()).isEqualTo(3);
                assertThat(entry.lastError()).isEqualTo("no answer within 250 ms");
            });
            assertThat(hanging.accepted()).isGreaterThanOrEqualTo(12);
            rig.awaitCount("delivered", 4);
            rig.awaitCount("retried", 16);
            rig.awaitCount("given-up", 8);
        }
    }

    @Test
    void aReceiverThatFailsTwiceGetsTheEventOnTheThirdAttemptAndTheNextEventOnlyAfterIt() throws Exception {
        try (Receiver receiver = Receiver.answering(n -> n <= 2 ? 503 : 200);
             Rig rig = new Rig(Rig.h2(), Rig.settings(Duration.ofSeconds(2), 5, Duration.ofMillis(100), 100,
                     Rig.subscriber(receiver.url())))) {
            Session session = rig.file();
            rig.sessions.moveTo(session, new SessionState.On(Instant.now()));

            List<Receiver.Received> requests = receiver.awaitRequests(4, Duration.ofSeconds(5));
            assertThat(requests).extracting(Receiver.Received::answered).containsExactly(503, 503, 200, 200);
            assertThat(requests).extracting(request -> request.header("Capstan-Event"))
                    .containsExactly("recording.started", "recording.started", "recording.started", "recording.on");
            // The same delivery and body at every attempt, freshly signed each time.
            assertThat(requests.subList(0, 3)).extracting(request -> request.header("Capstan-Delivery")).containsOnly(
                    requests.get(0).header("Capstan-Delivery"));
            assertThat(requests.subList(0, 3)).extracting(Receiver.Received::body).containsOnly(requests.get(0).body());
            requests.forEach(request -> assertSignedWith(Rig.SECRET, request));
            // Backed off: about 100 ms, then about 200 ms (a quarter less at most).
            assertThat(Duration.between(requests.get(0).at(), requests.get(1).at()))
                    .isGreaterThan(Duration.ofMillis(70));
            assertThat(Duration.between(requests.get(1).at(), requests.get(2).at()))
                    .isGreaterThan(Duration.ofMillis(145));

            List<LoggedDelivery> logged = rig.awaitLog(session.recordingId().value(), entries -> entries.size() == 2
                    && entries.stream().allMatch(entry -> entry.state().equals("delivered")));
            LoggedDelivery started = logged.get(1);
            assertThat(started.type()).isEqualTo("recording.started");
            assertThat(started.attempts()).isEqualTo(3);
            assertThat(started.lastStatus()).isEqualTo(200);
            assertThat(started.lastError()).isNull();
            assertThat(started.id()).isEqualTo(requests.get(0).header("Capstan-Delivery"));
            assertThat(logged.get(0).attempts()).isEqualTo(1);
            rig.awaitCount("retried", 2);
            rig.awaitCount("delivered", 2);
        }
    }

    @Test
    void pendingDeliveriesSurviveARestartOnH2() throws Exception {
        pendingDeliveriesSurviveARestart(Rig.h2());
    }

    @Test
    void pendingDeliveriesSurviveARestartOnPostgreSql() throws Exception {
        try (PostgresServer postgres = PostgresServer.start()) {
            pendingDeliveriesSurviveARestart(
                    Rig.migrated(postgres.jdbcUrl(), postgres.username(), postgres.password()));
        }
    }

    private void pendingDeliveriesSurviveARestart(DataSource database) throws Exception {
        try (Receiver receiver = Receiver.answering(n -> 500)) {
            // The second attempt is due a second after the first: long after the first process has stopped.
            WebhookProperties settings = Rig.settings(Duration.ofSeconds(2), 8, Duration.ofSeconds(1), 100,
                    Rig.subscriber(receiver.url()));
            Session session;
            Receiver.Received before;
            try (Rig first = new Rig(database, settings)) {
                session = first.file();
                before = receiver.awaitRequests(1, Duration.ofSeconds(5)).get(0);
                first.awaitLog(session.recordingId().value(),
                        entries -> entries.size() == 1 && entries.get(0).attempts() == 1);
            }
            int sentBefore = receiver.received().size();
            assertThat(sentBefore).isEqualTo(1);
            receiver.answer(n -> 200);

            try (Rig second = new Rig(database, settings)) {
                Receiver.Received after = receiver.awaitRequests(sentBefore + 1, Duration.ofSeconds(5)).get(sentBefore);
                assertThat(after.header("Capstan-Delivery")).isEqualTo(before.header("Capstan-Delivery"));
                assertThat(after.body()).isEqualTo(before.body());
                assertSignedWith(Rig.SECRET, after);
                LoggedDelivery entry = second.awaitLog(session.recordingId().value(),
                        entries -> entries.get(0).state().equals("delivered")).get(0);
                assertThat(entry.attempts()).isEqualTo(sentBefore + 1);
                assertThat(entry.lastStatus()).isEqualTo(200);
            }
            Thread.sleep(300);
            assertThat(receiver.received()).as("sent once after the restart").hasSize(sentBefore + 1);
        }
    }

    @Test
    void afterARestartPendingDeliveriesOfARemovedSubscriberAreGivenUp() throws Exception {
        DataSource database = Rig.h2();
        try (Receiver removed = Receiver.answering(n -> 500); Receiver kept = Receiver.healthy()) {
            Session session;
            try (Rig first = new Rig(database, Rig.settings(Duration.ofSeconds(2), 8, Duration.ofSeconds(5), 100,
                    Rig.subscriber(removed.url())))) {
                session = first.file();
                first.awaitLog(session.recordingId().value(),
                        entries -> entries.size() == 1 && entries.get(0).attempts() == 1);
            }
            try (Rig second = new Rig(database, Rig.settings(Duration.ofSeconds(2), 8, Duration.ofSeconds(5), 100,
                    Rig.subscriber(kept.url())))) {
                LoggedDelivery entry = second.awaitLog(session.recordingId().value(),
                        entries -> entries.get(0).state().equals("given-up")).get(0);
                assertThat(entry.lastError()).isEqualTo("no longer a subscriber");
                assertThat(kept.received()).isEmpty();
            }
        }
    }

    @Test
    void whenTooManyEventsWaitForOneReceiverTheOldestWaitingOneIsDropped() throws Exception {
        try (Receiver receiver = Receiver.answering(n -> 503);
             Rig rig = new Rig(Rig.h2(), Rig.settings(Duration.ofSeconds(2), 8, Duration.ofSeconds(5), 1,
                     Rig.subscriber(receiver.url())))) {
            Session session = rig.file();
            receiver.awaitRequests(1, Duration.ofSeconds(5));
            // started is being retried; on waits behind it, then stopped arrives: on is dropped.
            rig.sessions.moveTo(session, new SessionState.On(Instant.now()));
            rig.sessions.moveTo(session, new SessionState.Finalizing(Instant.now(), "requested"));

            List<LoggedDelivery> logged = rig.awaitLog(session.recordingId().value(), entries -> entries.size() == 3
                    && entries.get(1).state().equals("given-up"));
            assertThat(logged).extracting(LoggedDelivery::type)
                    .containsExactly("recording.stopped", "recording.on", "recording.started");
            assertThat(logged.get(1).lastError()).contains("dropped", "more than 1 events");
            assertThat(logged.get(0).state()).isEqualTo("pending");
            assertThat(logged.get(2).state()).isEqualTo("pending");
            assertThat(rig.meters.get("capstan.webhook.dropped").counter().count()).isEqualTo(1);
        }
    }

    @Test
    void aSubscriberGetsOnlyTheEventsItAskedFor() throws Exception {
        try (Receiver all = Receiver.healthy(); Receiver endings = Receiver.healthy();
             Rig rig = new Rig(Rig.h2(), Rig.settings(Duration.ofSeconds(2), 3, Duration.ofMillis(100), 100,
                     Rig.subscriber(all.url()),
                     Rig.subscriber(endings.url(), "recording.ready", "recording.failed")))) {
            Session session = rig.file();
            rig.sessions.moveTo(session, new SessionState.On(Instant.now()));
            rig.sessions.moveTo(session, new SessionState.Finalizing(Instant.now(), "room-empty"));
            rig.sessions.moveTo(session, new SessionState.Done(Instant.now()));

            assertThat(all.awaitRequests(4, Duration.ofSeconds(5))).hasSize(4);
            List<Receiver.Received> ready = endings.awaitRequests(1, Duration.ofSeconds(5));
            Thread.sleep(200);
            assertThat(endings.received()).hasSize(1);
            assertThat(ready.get(0).header("Capstan-Event")).isEqualTo("recording.ready");
            // One event, one id, whoever receives it.
            assertThat(json.readTree(ready.get(0).body()).at("/id"))
                    .isEqualTo(json.readTree(all.received().get(3).body()).at("/id"));
        }
    }

    @Test
    void retriesBackOffDoublingWithJitterUpToTheLongestWait() throws Exception {
        try (Receiver receiver = Receiver.healthy();
             Rig rig = new Rig(Rig.h2(), Rig.settings(Duration.ofSeconds(2), 30, Duration.ofMillis(100), 100,
                     Rig.subscriber(receiver.url())))) {
            for (int attempt = 1; attempt <= 30; attempt++) {
                long full = Math.min(100L << Math.min(attempt - 1, 20), 2000);
                for (int draw = 0; draw < 20; draw++) {
                    assertThat(rig.webhooks.backoff(attempt).toMillis()).as("after attempt %d", attempt)
                            .isBetween(full * 3 / 4, full);
                }
            }
        }
    }

    @Test
    void withoutSubscribersNothingRuns() {
        WebhookProperties none = new WebhookProperties(List.of(), Duration.ofSeconds(5), 8, Duration.ofSeconds(1),
                Duration.ofMinutes(5), 1000, Duration.ofDays(7));
        assertThat(none.enabled()).isFalse();
        assertThat(Webhooks.start(none, null, null, null, null)).isEmpty();
    }

    private static Map<String, List<LoggedDelivery>> bySubscriber(Rig rig, Session session) {
        return rig.log.list(Optional.of(session.recordingId().value()), Optional.empty(), 100).stream()
                .collect(Collectors.groupingBy(LoggedDelivery::subscriber));
    }

    private static String shown(URI url) {
        return url.toString();
    }

    /** Checks the signature with an HMAC computed here, independently of {@link WebhookSignature}. */
    static void assertSignedWith(String secret, Receiver.Received request) {
        String header = request.header("Capstan-Signature");
        assertThat(header).matches("t=\\d+,v1=[0-9a-f]{64}");
        String t = header.substring(2, header.indexOf(','));
        assertThat(Long.parseLong(t)).isCloseTo(request.at().getEpochSecond(), org.assertj.core.data.Offset.offset(2L));
        assertThat(header.substring(header.indexOf("v1=") + 3)).isEqualTo(hmacHex(secret, t + "." + request.body()));
        assertThat(WebhookSignature.verify(secret, header, request.body(), Duration.ofMinutes(5))).isTrue();
    }

    static String hmacHex(String secret, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
