package dev.capstan.scheduler.jibri;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.fixture.CpuHog;
import dev.capstan.recorder.fixture.MeetingGuest;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.fixture.ProsodyServer;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Brewery presence as Jicofo sees it while another tenant's load swings between nothing and every core: it must
 * hold still (Jicofo picks occupants by it), and an occupant that says idle must take the start it is sent.
 * Admission as configured by default, but for this light page's estimate (about 0.5 core, README: Benchmarks).
 */
@Tag("media")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "capstan.node.slots=2",
        "capstan.node.cpu-per-recording=0.5",
        "capstan.jibri.call-status-checks.interval=1s"})
class JibriPresenceUnderLoadTest {

    private static final Duration WARM = Duration.ofSeconds(120);
    private static final Duration WATCHED = Duration.ofSeconds(60);

    @AutoClose
    private static ProsodyServer prosody;
    @AutoClose
    private static PageServer pages;

    @DynamicPropertySource
    static void xmpp(DynamicPropertyRegistry registry) throws Exception {
        prosody = ProsodyServer.start(Files.createTempDirectory("capstan-prosody"));
        pages = PageServer.start();
        JibriProtocolTest.environment(registry, prosody, pages);
    }

    @Test
    void presenceHoldsStillUnderASwingingHogAndAnIdleOccupantAnswersAStartWithPending() throws Exception {
        try (JicofoClient jicofo = JicofoClient.connect(prosody, ProsodyServer.BREWERY)) {
            jicofo.awaitIdleOccupants(2, WARM);
            try (CpuHog hog = CpuHog.swinging(2.0, Duration.ofSeconds(3));
                    MeetingGuest ivan = MeetingGuest.join(prosody, "retro", "Ivan", true)) {
                Instant began = Instant.now();
                Thread.sleep(20_000);
                // Nothing records: the node admits one whatever the foreign load, and says so.
                List<String> idle = jicofo.idleOccupants();
                assertThat(idle).as("idle occupants after 20 s of swinging load").isNotEmpty();
                String nick = idle.get(0);
                String sessionId = UUID.randomUUID().toString();
                JicofoClient.Reply reply = jicofo.start(nick,
                        JicofoClient.fileRecording("retro@conference.localhost", sessionId));
                assertThat(reply.isResult()).as("answer %s", reply.xml()).isTrue();
                WireXml.assertElement(reply.xml(), JibriProtocolTest.PENDING);
                jicofo.awaitUpdate(nick, JibriProtocolTest.status("on"), Duration.ofSeconds(60));

                Thread.sleep(Math.max(0, WATCHED.minus(Duration.between(began, Instant.now())).toMillis()));
                Duration watched = Duration.between(began, Instant.now());
                List<JicofoClient.BusyChange> changes = jicofo.busyChanges().stream()
                        .filter(change -> !change.at().isBefore(began)).toList();
                System.out.printf("presence under a hog swinging 0-2 cores every 3 s, %d s: %s%n",
                        watched.toSeconds(), changes);
                assertThat(changes).as("the occupant Jicofo started went busy, once")
                        .filteredOn(change -> change.nick().equals(nick))
                        .extracting(JicofoClient.BusyChange::busy).containsExactly("busy");
                assertThat(changes).as("the other occupant's presence, driven by load alone")
                        .filteredOn(change -> !change.nick().equals(nick))
                        .hasSizeLessThanOrEqualTo((int) Math.max(2, watched.toSeconds() / 30));
                hog.close();
                WireXml.assertElement(jicofo.stop(nick, Optional.of(sessionId)).xml(),
                        "<jibri xmlns='http://jitsi.org/protocol/jibri' status='off'/>");
                jicofo.awaitStatus(nick, "idle", "healthy", Duration.ofSeconds(30));
            }
        }
    }
}
