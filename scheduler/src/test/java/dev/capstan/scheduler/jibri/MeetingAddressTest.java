package dev.capstan.scheduler.jibri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.jxmpp.jid.impl.JidCreate;
import org.junit.jupiter.api.Test;

/** The meeting address Jibri builds for a room JID ({@code XmppUtils.getCallUrlInfoFromJid}), rule by rule. */
class MeetingAddressTest {

    @ParameterizedTest(name = "{0} ({2}, strip \"{3}\", base \"{4}\") -> {5}")
    @CsvSource(delimiter = '|', emptyValue = "", textBlock = """
            # room JID                               | what it shows              | xmpp-domain      | strip-from-room-domain | base-url                      | meeting address
            myroom@conference.example.com            | plain room                 | example.com      | conference.            |                               | https://example.com/myroom
            myroom@conference.tenant1.example.com    | tenant                     | example.com      | conference.            |                               | https://example.com/tenant1/myroom
            myroom@conference.a.b.example.com        | dotted tenant              | example.com      | conference.            |                               | https://example.com/a.b/myroom
            myroom@muc.meet.jitsi                    | docker (strip muc.)        | meet.jitsi       | muc.                   |                               | https://meet.jitsi/myroom
            myroom@muc.acme.meet.jitsi               | docker tenant              | meet.jitsi       | muc.                   |                               | https://meet.jitsi/acme/myroom
            myroom@Conference.Example.COM            | case-insensitive strip     | example.com      | conference.            |                               | https://example.com/myroom
            myroom@conference.example.com            | empty strip: the MUC becomes a tenant | example.com | |                                   | https://example.com/conference/myroom
            myroom@conference.example.com            | base-url replaces the domain | example.com    | conference.            | https://meet.example.org      | https://meet.example.org/myroom
            myroom@conference.tenant1.example.com    | base-url with tenant       | example.com      | conference.            | https://meet.example.org/     | https://meet.example.org/tenant1/myroom
            myroom@conference.example.com            | base-url with a path       | example.com      | conference.            | http://10.0.0.5:8000/jitsi    | http://10.0.0.5:8000/jitsi/myroom
            """)
    void buildsTheMeetingAddressLikeJibri(String room, String rule, String xmppDomain, String strip, String baseUrl,
            String expected) throws Exception {
        MeetingAddress addresses = new MeetingAddress(xmppDomain, strip, Optional.ofNullable(baseUrl).filter(s -> !s.isEmpty()));

        URI meeting = addresses.of(JidCreate.entityBareFrom(room));

        assertThat(meeting).as(rule).hasToString(expected);
    }

    @Test
    void refusesARoomOutsideTheXmppDomain() {
        MeetingAddress addresses = new MeetingAddress("example.com", "conference.", Optional.empty());
        assertThatThrownBy(() -> addresses.of(JidCreate.entityBareFrom("r@conference.other.org")))
                .isInstanceOf(MalformedRequestException.class)
                .hasMessageContaining("not in the XMPP domain example.com");
    }
}
