package dev.capstan.scheduler.jibri;

import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.fixture.ProsodyServer;
import java.util.LinkedHashMap;
import java.util.Map;

/** One Jibri environment, {@code test}, on a test Prosody and the fake jitsi-meet of a page server. */
public final class JibriEnvironment {

    private JibriEnvironment() {
    }

    /**
     * Its {@code capstan.jibri.environments[0].*} properties, all of them: Spring binds a list element from a single
     * property source.
     *
     * @param nickname the occupants' nick before their slot number ({@code <nickname>-1}, ...)
     */
    public static Map<String, String> properties(ProsodyServer prosody, PageServer pages, String nickname) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("name", "test");
        environment.put("xmpp-server-hosts[0]", ProsodyServer.HOST + ":" + prosody.c2sPort());
        environment.put("xmpp-domain", ProsodyServer.DOMAIN);
        environment.put("base-url", pages.fakeJitsiMeet(prosody.websocketUrl()).toString());
        environment.put("strip-from-room-domain", "conference.");
        environment.put("control-login.domain", ProsodyServer.AUTH_DOMAIN);
        environment.put("control-login.username", ProsodyServer.JIBRI_USER);
        environment.put("control-login.password", ProsodyServer.JIBRI_PASSWORD);
        environment.put("control-muc.domain", ProsodyServer.INTERNAL_MUC_DOMAIN);
        environment.put("control-muc.room-name", "jibribrewery");
        environment.put("control-muc.nickname", nickname);
        environment.put("call-login.domain", ProsodyServer.RECORDER_DOMAIN);
        environment.put("call-login.username", ProsodyServer.RECORDER_USER);
        environment.put("call-login.password", ProsodyServer.RECORDER_PASSWORD);
        Map<String, String> properties = new LinkedHashMap<>();
        environment.forEach((key, value) -> properties.put("capstan.jibri.environments[0]." + key, value));
        return properties;
    }
}
