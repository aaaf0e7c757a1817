package dev.capstan.scheduler.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.browser.CallLogin;
import dev.capstan.recorder.browser.JitsiMeetPage;
import dev.capstan.recorder.browser.LoginDelivery;
import dev.capstan.scheduler.jibri.JibriProperties;
import dev.capstan.scheduler.jibri.JitsiMeetPages;
import dev.capstan.scheduler.plan.Login;
import dev.capstan.scheduler.plan.Meeting;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.storage.archive.RecordingId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.jxmpp.jid.impl.JidCreate;

/** Room JIDs become meeting addresses by Jibri's rule, and the recorder joins them as Jibri does. */
class MeetingRoomsTest {

    private static final CallLogin HIDDEN = new CallLogin("recorder.meet.example.com", "recorder", "s3cret", true);

    private static JibriProperties.Environment environment(String domain, Optional<String> baseUrl) {
        return new JibriProperties.Environment("prod", List.of("127.0.0.1"), domain, baseUrl,
                new JibriProperties.ControlLogin("auth." + domain, "jibri", "pw", 5222),
                new JibriProperties.ControlMuc("internal.auth." + domain, "JibriBrewery", Optional.empty()),
                HIDDEN, "conference.", Duration.ZERO, true, Optional.empty());
    }

    private static JibriProperties jibri(List<JibriProperties.Environment> environments) {
        return new JibriProperties(environments, LoginDelivery.URL_HASH, Duration.ofSeconds(30),
                new JibriProperties.CallStatusChecks(Duration.ofSeconds(5), Duration.ofSeconds(30),
                        Duration.ofMinutes(10), Duration.ofMinutes(3)),
                new JibriProperties.HttpApi(false, "127.0.0.1", 0), false);
    }

    private static MeetingRooms rooms(List<JibriProperties.Environment> environments, Optional<String> site) {
        return new MeetingRooms(jibri(environments), new ControlProperties(site, 100, Duration.ofMinutes(30), Duration.ofSeconds(1),
                Duration.ofSeconds(10)));
    }

    private static MeetingRooms.Room found(MeetingRooms rooms, String jid) throws Exception {
        MeetingRooms.Result result = rooms.resolve(JidCreate.entityBareFrom(jid));
        assertThat(result).as(jid).isInstanceOf(MeetingRooms.Result.Found.class);
        return ((MeetingRooms.Result.Found) result).room();
    }

    @Test
    void aJibriEnvironmentsDomainGivesItsBaseUrlTenantAndCallLogin() throws Exception {
        List<JibriProperties.Environment> environments = List.of(environment("meet.example.com",
                Optional.of("https://video.example.com/base/")));
        MeetingRooms rooms = rooms(environments, Optional.of("https://fallback.example.org"));

        MeetingRooms.Room room = found(rooms, "standup@conference.meet.example.com");
        assertThat(room.meeting()).hasToString("https://video.example.com/base/standup");
        assertThat(room.name()).isEqualTo("standup");
        assertThat(room.environment()).isPresent();
        assertThat(found(rooms, "standup@conference.sales.meet.example.com").meeting())
                .hasToString("https://video.example.com/base/sales/standup");

        // The plan names the environment, and the recording host's own configuration gives the login.
        Meeting.JitsiRoom meeting = (Meeting.JitsiRoom) rooms.meeting(room);
        assertThat(meeting.address()).hasToString("https://video.example.com/base/standup");
        assertThat(meeting.login()).isEqualTo(new Login.OfEnvironment("prod"));
        RecordingPlan plan = new RecordingPlan(RecordingId.of("rec-1"), room.name(), meeting,
                RecordingPlan.outputs(true, List.of()), Optional.empty(), Optional.of(rooms.autoStop()),
                Optional.empty(), Map.of(), Optional.empty(), Instant.now());
        JitsiMeetPage page = (JitsiMeetPage) new JitsiMeetPages(jibri(environments)).page(plan);
        assertThat(page.meetingUrl()).hasToString("https://video.example.com/base/standup");
        assertThat(page.login()).contains(HIDDEN);
        assertThat(page.presence()).containsEntry("session_id", "rec-1").containsEntry("mode", "file");
        assertThat(rooms.autoStop().emptyFor()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void otherDomainsUseTheMeetingBaseUrlWithoutALogin() throws Exception {
        MeetingRooms rooms = rooms(List.of(environment("meet.example.com", Optional.empty())),
                Optional.of("https://jitsi.example.org/"));

        MeetingRooms.Room room = found(rooms, "Daily@conference.jitsi.example.org");
        assertThat(room.meeting()).hasToString("https://jitsi.example.org/daily");
        assertThat(room.environment()).isEmpty();
        assertThat(found(rooms, "daily@conference.team1.jitsi.example.org").meeting())
                .hasToString("https://jitsi.example.org/team1/daily");
        assertThat(found(rooms, "daily@muc.elsewhere.net").meeting()).hasToString("https://jitsi.example.org/daily");
        assertThat(((Meeting.JitsiRoom) rooms.meeting(room)).login()).isEqualTo(new Login.Guest());
        // An environment's domain inside another name is not that environment.
        assertThat(found(rooms, "x@conference.meet.example.com.evil.net").environment()).isEmpty();
    }

    @Test
    void withoutEnvironmentOrBaseUrlTheRoomIsUnknown() throws Exception {
        MeetingRooms.Result result = rooms(List.of(), Optional.empty())
                .resolve(JidCreate.entityBareFrom("standup@conference.meet.example.com"));
        assertThat(result).isEqualTo(new MeetingRooms.Result.Unknown("is in no known Jitsi deployment: no Jibri "
                + "environment has the XMPP domain conference.meet.example.com and capstan.control.meeting-base-url "
                + "is not set"));
    }
}
