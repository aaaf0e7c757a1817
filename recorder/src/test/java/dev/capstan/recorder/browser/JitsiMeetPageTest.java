package dev.capstan.recorder.browser;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The address Jitsi Meet is opened with: Jibri's hash, and the login where jitsi-meet looks for it. */
class JitsiMeetPageTest {

    private static final URI MEETING = URI.create("https://meet.example.com/tenant1/myroom");
    private static final String PASSWORD = "s3cret&\"\\ü“x”";
    private static final CallLogin LOGIN = new CallLogin("recorder.meet.example.com", "recorder", PASSWORD, false);

    /** Jibri's RECORDING_URL_OPTIONS, in Jibri's order, with the quotes percent-encoded as the browser sends them. */
    private static final String RECORDER_HASH = "config.analytics.disabled=true"
            + "&config.disableInitialGUM=true"
            + "&config.externalConnectUrl=null"
            + "&config.iAmRecorder=true"
            + "&config.p2p.enabled=false"
            + "&config.prejoinConfig.enabled=false"
            + "&config.requireDisplayName=false"
            + "&config.deeplinking.disabled=true"
            + "&config.startWithAudioMuted=true"
            + "&config.startWithVideoMuted=true"
            + "&interfaceConfig.APP_NAME=%22Jibri%22";

    @Test
    void theHashIsJibrisWithTheLoginOnlyInWhatTheBrowserOpens() throws Exception {
        JitsiMeetPage page = new JitsiMeetPage(MEETING, Optional.of(LOGIN), LoginDelivery.URL_HASH,
                Map.of("session_id", "s1"), Optional.of(true), "jibri-1", Duration.ofSeconds(30));

        assertThat(page.address()).hasToString(MEETING + "#" + RECORDER_HASH
                + "&config.analytics.rtcstatsEnabled=true&config.useHostPageLocalStorage=true");
        String opened = page.navigationUrl().toString();
        assertThat(opened).startsWith(page.address() + "&appData.localStorageContent=");
        String content = opened.substring(opened.indexOf("appData.localStorageContent=") + 28);
        assertThat(content).doesNotContain("&", "=", "#").matches("[A-Za-z0-9\\-_.!~*'()%]+");
        assertThat(page.address().toString()).doesNotContain("s3cret").doesNotContain("localStorageContent");
        assertThat(page.toString()).doesNotContain("s3cret");
    }

    @Test
    void rtcstatsIsSentOnlyWhenJicofoGaveIt() {
        JitsiMeetPage without = new JitsiMeetPage(MEETING, Optional.empty(), LoginDelivery.LOCAL_STORAGE, Map.of(),
                Optional.empty(), "jibri", Duration.ofSeconds(30));
        JitsiMeetPage off = new JitsiMeetPage(MEETING, Optional.empty(), LoginDelivery.LOCAL_STORAGE, Map.of(),
                Optional.of(false), "jibri", Duration.ofSeconds(30));

        assertThat(without.address()).hasToString(MEETING + "#" + RECORDER_HASH);
        assertThat(off.address()).hasToString(MEETING + "#" + RECORDER_HASH + "&config.analytics.rtcstatsEnabled=false");
    }

    @Test
    void theLocalStorageWayKeepsTheLoginOutOfTheAddress() {
        JitsiMeetPage page = new JitsiMeetPage(MEETING, Optional.of(LOGIN), LoginDelivery.LOCAL_STORAGE, Map.of(),
                Optional.empty(), "jibri", Duration.ofSeconds(30));

        assertThat(page.address()).hasToString(MEETING + "#" + RECORDER_HASH);
        assertThat(page.navigationUrl()).isEqualTo(page.address());
    }

    /** jitsi-meet parses every hash value once (after decodeURIComponent), then the storage content once more. */
    @Test
    void theStorageContentDecodesBackToJibrisItems() throws Exception {
        JitsiMeetPage page = new JitsiMeetPage(MEETING, Optional.of(LOGIN), LoginDelivery.URL_HASH, Map.of(),
                Optional.empty(), "jibri-1", Duration.ofSeconds(30));
        String opened = page.navigationUrl().toString();
        String value = opened.substring(opened.indexOf("appData.localStorageContent=") + 28);

        ObjectMapper json = new ObjectMapper();
        String decoded = URLDecoder.decode(value, StandardCharsets.UTF_8);
        assertThat(decoded).as("what jitsi-meet's hash parser mangles").doesNotContain("\\&", "“", "”");
        Object once = json.readValue(decoded, Object.class);
        assertThat(once).as("the first parse gives a string").isInstanceOf(String.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> items = json.readValue((String) once, LinkedHashMap.class);

        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("displayname", "");
        expected.put("email", "");
        expected.put("callStatsUserName", "jibri-1");
        expected.put("xmpp_username_override", "recorder@recorder.meet.example.com");
        expected.put("xmpp_password_override", PASSWORD);
        assertThat(items).containsExactlyEntriesOf(expected);
    }

    @Test
    void aRandomizedUserNameGetsEightLettersOrDigits() {
        CallLogin shared = new CallLogin("recorder.example.com", "recorder", "pw", true);

        assertThat(shared.xmppUsername()).matches("recorder-[A-Za-z0-9]{8}@recorder\\.example\\.com");
        assertThat(shared.xmppUsername()).isNotEqualTo(shared.xmppUsername());
        assertThat(LOGIN.xmppUsername()).isEqualTo("recorder@recorder.meet.example.com");
        assertThat(LOGIN.toString()).doesNotContain("s3cret").contains("*****");
    }

    @Test
    void errorMessagesLoseTheLogin() {
        JitsiMeetPage page = JitsiMeetPage.of(MEETING, Optional.of(LOGIN));
        String message = "unknown error: net::ERR_ABORTED at " + page.navigationUrl() + " (password " + PASSWORD + ")";

        assertThat(page.redact(message))
                .doesNotContain(PASSWORD)
                .doesNotContain("recorder%40")
                .contains(page.address() + "&appData.localStorageContent=***** (password *****)");
    }

    @Test
    void refusesAMeetingUrlWithAHash() {
        assertThatThrownBy(() -> JitsiMeetPage.of(URI.create("https://meet.example.com/r#config.x=1"), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theProbesAnswerBecomesARoomState() {
        Map<String, Object> alice = new LinkedHashMap<>();
        alice.put("id", "abcd1234");
        alice.put("displayName", "Alice");
        alice.put("identity", Map.of("userId", "u-1", "email", "alice@example.com"));
        Map<String, Object> bob = new LinkedHashMap<>();
        bob.put("id", "ef567890");
        bob.put("displayName", "Bob");
        bob.put("identity", null);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("joined", true);
        answer.put("participants", List.of(alice));
        answer.put("allMuted", false);
        answer.put("downloadKbps", 512L);
        answer.put("seen", List.of(alice, bob));
        answer.put("error", null);

        RoomState room = JitsiMeetScripts.roomState(answer).orElseThrow();

        assertThat(room.joined()).isTrue();
        assertThat(room.allMuted()).isFalse();
        assertThat(room.downloadKbps()).isEqualTo(512);
        assertThat(room.participants()).extracting(Participant::displayName).containsExactly("Alice");
        assertThat(room.participants().get(0).identity().orElseThrow().email()).contains("alice@example.com");
        assertThat(room.participants().get(0).key()).isEqualTo("user:u-1");
        assertThat(room.everyoneSeen()).extracting(Participant::id).containsExactly("abcd1234", "ef567890");
        assertThat(room.everyoneSeen().get(1).identity()).isEmpty();

        answer.put("error", "participants: getParticipants is not a function");
        assertThat(JitsiMeetScripts.roomState(answer)).as("an unreadable page").isEmpty();
        assertThat(JitsiMeetScripts.roomState("APP is not defined")).isEmpty();
    }
}
