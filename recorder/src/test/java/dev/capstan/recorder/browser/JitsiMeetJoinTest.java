package dev.capstan.recorder.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.capstan.recorder.fixture.Leftovers;
import dev.capstan.recorder.fixture.MeetingGuest;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.fixture.ProsodyServer;
import dev.capstan.recorder.slot.AudioSink;
import dev.capstan.recorder.slot.Display;
import dev.capstan.recorder.slot.SlotConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smackx.muc.packet.MUCUser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Joins a Jitsi-like meeting the way Jibri does, through the fake jitsi-meet on a real Prosody: the login travels
 * either way, the recorder is in the room on the hidden domain and tells the room a recording is on, and the probe
 * sees who is there. Real Xvfb, PulseAudio, Chromium and Prosody; one browser for the class.
 */
@Tag("media")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JitsiMeetJoinTest {

    private static final SlotConfig CONFIG = SlotConfig.defaults();
    private static final CallLogin RECORDER = new CallLogin(ProsodyServer.RECORDER_DOMAIN,
            ProsodyServer.RECORDER_USER, ProsodyServer.RECORDER_PASSWORD, false);

    private ProsodyServer prosody;
    private PageServer pages;
    private URI site;
    private Display display;
    private AudioSink sink;
    private Browser browser;

    @BeforeAll
    void start(@TempDir Path runtime) throws IOException {
        prosody = ProsodyServer.start(runtime.resolve("prosody"));
        pages = PageServer.start();
        site = pages.fakeJitsiMeet(prosody.websocketUrl());
        int width = CONFIG.profile().width();
        int height = CONFIG.profile().height();
        display = Display.start(CONFIG.xvfb(), CONFIG.displayNumber(), width, height, Duration.ofSeconds(10));
        sink = AudioSink.start(CONFIG.pulseaudio(), runtime.resolve("pulse"), Duration.ofSeconds(10));
        Map<String, String> environment = new HashMap<>(sink.clientEnvironment());
        environment.put("DISPLAY", display.name());
        environment.put("HOME", runtime.toString());
        browser = Browser.launch(new Browser.Options(CONFIG.chromium(), CONFIG.chromedriver(), width, height,
                runtime.resolve("profile"), environment, Duration.ofSeconds(10), List.of()));
    }

    @AfterAll
    void stop() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {browser, sink, display, pages, prosody}) {
            if (part != null) {
                part.close();
            }
        }
        assertThat(Leftovers.processes()).as("processes left running").isEmpty();
    }

    @ParameterizedTest
    @EnumSource(LoginDelivery.class)
    @Timeout(value = 45, unit = TimeUnit.SECONDS)
    void joinsOnTheHiddenDomainAndAnnouncesTheRecording(LoginDelivery delivery) throws Exception {
        browser.reset();
        String room = "join-" + delivery.name().toLowerCase().replace('_', '-');
        // The local-storage way opens the site's home page first; a tenant's is base/tenant/.
        URI meeting = URI.create(site + (delivery == LoginDelivery.LOCAL_STORAGE ? "/tenant1/" : "/") + room);
        Map<String, String> presence = new LinkedHashMap<>();
        presence.put("session_id", "session-" + room);
        presence.put("mode", "file");
        JitsiMeetPage page = new JitsiMeetPage(meeting, Optional.of(RECORDER), delivery, presence,
                Optional.of(true), "jibri-test", Duration.ofSeconds(15));

        try (MeetingGuest alice = MeetingGuest.join(prosody, room, "Alice", true)) {
            long joining = System.nanoTime();
            page.join(browser);
            System.out.printf("%s: joined in %d ms%n", delivery, (System.nanoTime() - joining) / 1_000_000);

            Presence announced = alice.awaitPresence(p -> MeetingGuest.element(p, "session_id").isPresent(),
                    Duration.ofSeconds(5)).orElseThrow(() -> new AssertionError("no presence with a session_id"));
            assertThat(MeetingGuest.element(announced, "session_id")).contains("session-" + room);
            assertThat(MeetingGuest.element(announced, "mode")).contains("file");
            assertThat(MeetingGuest.features(announced)).contains("http://jitsi.org/protocol/jibri");
            MUCUser occupant = MUCUser.from(announced);
            assertThat(occupant.getItem().getJid().asBareJid().toString())
                    .as("the recorder's real JID, on the hidden domain")
                    .isEqualTo(ProsodyServer.RECORDER_USER + "@" + ProsodyServer.RECORDER_DOMAIN);
            assertThat(browser.script("return window.capstanStorageSource")).as("where the page found the login")
                    .isEqualTo(delivery == LoginDelivery.URL_HASH ? "host-page" : "browser");

            RoomState state = page.probe(browser).orElseThrow();
            assertThat(state.joined()).isTrue();
            assertThat(state.participants()).extracting(Participant::displayName).containsExactly("Alice");
            assertThat(state.everyoneSeen()).extracting(Participant::displayName).containsExactly("Alice");
            assertThat(state.allMuted()).isFalse();
            assertThat(state.downloadKbps()).isPositive();

            alice.mute(true, true);
            awaitState(page, "muted everywhere", RoomState::allMuted);
        }
        awaitState(page, "empty once Alice left", RoomState::empty);
        RoomState after = page.probe(browser).orElseThrow();
        assertThat(after.everyoneSeen()).extracting(Participant::displayName).containsExactly("Alice");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aWrongPasswordIsNeverJoined() throws Exception {
        browser.reset();
        CallLogin wrong = new CallLogin(ProsodyServer.RECORDER_DOMAIN, ProsodyServer.RECORDER_USER, "not-it-9q", false);
        JitsiMeetPage page = new JitsiMeetPage(URI.create(site + "/wrong-password"), Optional.of(wrong),
                LoginDelivery.URL_HASH, Map.of("session_id", "s"), Optional.empty(), "jibri", Duration.ofSeconds(3));

        long joining = System.nanoTime();
        assertThatThrownBy(() -> page.join(browser))
                .isInstanceOfSatisfying(NavigationException.class,
                        e -> assertThat(e.problem()).isEqualTo(NavigationException.Problem.NOT_JOINED))
                .hasMessageContaining("was not joined within 3 s")
                .hasMessageContaining("isJoined")
                .hasMessageNotContaining("not-it-9q")
                .hasMessageNotContaining("localStorageContent");
        Duration took = Duration.ofNanos(System.nanoTime() - joining);
        assertThat(took).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(8));
        assertThat(browser.script("return document.getElementById('status').textContent"))
                .isEqualTo("authentication failed: not-authorized");
    }

    private void awaitState(JitsiMeetPage page, String what, java.util.function.Predicate<RoomState> condition) {
        await("the room " + what).atMost(Duration.ofSeconds(5)).pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> page.probe(browser), state -> state.filter(condition).isPresent());
    }
}
