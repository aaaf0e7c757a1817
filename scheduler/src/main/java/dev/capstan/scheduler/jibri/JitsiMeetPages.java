package dev.capstan.scheduler.jibri;

import dev.capstan.recorder.browser.CallLogin;
import dev.capstan.recorder.browser.JitsiMeetPage;
import dev.capstan.recorder.browser.MeetingPage;
import dev.capstan.recorder.browser.WebPage;
import dev.capstan.scheduler.plan.Login;
import dev.capstan.scheduler.plan.Meeting;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.scheduler.recording.MeetingPages;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The page a recorder opens for a plan's meeting, on the host that records it: a Jitsi room is joined as Jibri joins
 * it, with the call login of the named Jibri environment from this host's own configuration (so no password travels
 * in a plan), Jibri's login delivery and join timeout, and the room told the session's id and mode.
 */
@Component
public class JitsiMeetPages implements MeetingPages {

    private final JibriProperties jibri;

    public JitsiMeetPages(JibriProperties jibri) {
        this.jibri = jibri;
    }

    @Override
    public MeetingPage page(RecordingPlan plan) {
        if (!(plan.meeting() instanceof Meeting.JitsiRoom room)) {
            return new WebPage(plan.meeting().address());
        }
        Map<String, String> presence = new LinkedHashMap<>();
        presence.put("session_id", plan.sessionId().orElse(plan.id().value()));
        presence.put("mode", plan.recordsFile() ? "file" : "stream");
        room.viewUrl().ifPresent(url -> presence.put("live-stream-view-url", url));
        return new JitsiMeetPage(room.address(), login(room.login()), jibri.loginDelivery(), presence,
                room.rtcstatsEnabled(), room.statsName(), jibri.joinTimeout());
    }

    private Optional<CallLogin> login(Login login) {
        if (login instanceof Login.Given given) {
            return Optional.of(given.login());
        }
        if (login instanceof Login.OfEnvironment named) {
            return Optional.ofNullable(jibri.environments().stream()
                    .filter(environment -> environment.name().equals(named.environment())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no Jibri environment named '"
                            + named.environment() + "' is configured on this host"))
                    .callLogin());
        }
        return Optional.empty();
    }
}
