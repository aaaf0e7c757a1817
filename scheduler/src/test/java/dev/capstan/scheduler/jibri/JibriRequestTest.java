package dev.capstan.scheduler.jibri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.util.PacketParserUtils;

/** Reading Jicofo's {@code <jibri/>} requests as they arrive on the wire, and answering in Jibri's exact form. */
class JibriRequestTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static {
        org.jivesoftware.smack.provider.ProviderManager.addIQProvider(JibriIq.ELEMENT, JibriIq.NAMESPACE,
                new JibriIqProvider());
    }

    private static JibriIq parse(String jibriElement) throws Exception {
        IQ iq = PacketParserUtils.parseStanza("<iq xmlns='jabber:client' type='set' id='x1'"
                + " to='jibribrewery@internal-muc.example.com/node-1' from='jibribrewery@internal-muc.example.com/focus'>"
                + jibriElement + "</iq>");
        assertThat(iq).isInstanceOf(JibriIq.class);
        return (JibriIq) iq;
    }

    @Test
    void readsTheStartACurrentJicofoSends() throws Exception {
        JibriIq iq = parse("<jibri xmlns='http://jitsi.org/protocol/jibri' action='start' recording_mode='file'"
                + " room='test@muc.meet.jitsi' session_id='2ece00f9-753c-47bf-8d0f-446b72f06e17'"
                + " rtcstats_enabled='true' app_data='{&quot;file_recording_metadata&quot;:{&quot;share&quot;:true}}'"
                + " some_future_attribute='x'>"
                + "<traceparent xmlns='jitsi:opentelemetry' trace_id='0af7651916cd43dd8448eb211c80319c'"
                + " trace_flags='01' parent_id='b7ad6b7169203331'/></jibri>");

        JibriRequest.Start start = (JibriRequest.Start) JibriRequest.parse(iq, JSON);

        assertThat(start.sessionId()).isEqualTo("2ece00f9-753c-47bf-8d0f-446b72f06e17");
        assertThat(start.room().toString()).isEqualTo("test@muc.meet.jitsi");
        assertThat(start.mode()).isEqualTo(JibriRequest.Mode.FILE);
        assertThat(start.rtcstatsEnabled()).contains(true);
        assertThat(start.appData()).isEqualTo(Map.of("file_recording_metadata", Map.of("share", true)));
    }

    private static JibriRequest.Start stream(String streamId, String broadcast) throws Exception {
        return (JibriRequest.Start) JibriRequest.parse(parse("<jibri xmlns='http://jitsi.org/protocol/jibri'"
                + " action='start' recording_mode='stream' room='f716719f@muc.meet.jitsi' session_id='s'"
                + " streamid='" + streamId + "'" + (broadcast == null ? "" : " you_tube_broadcast_id='" + broadcast + "'")
                + "/>"), JSON);
    }

    @Test
    void streamModeTakesAnRtmpUrlOrAYouTubeKeyAsJibriDoes() throws Exception {
        JibriRequest.Start url = stream("RTMPS://live.example.com/app/key-1", "https://youtube.com/live/xyz");
        assertThat(url.mode()).isEqualTo(JibriRequest.Mode.STREAM);
        assertThat(url.streamUrl()).contains("RTMPS://live.example.com/app/key-1");
        assertThat(url.viewUrl()).contains("https://youtube.com/live/xyz");

        JibriRequest.Start key = stream("abcd-efgh-ijkl-mnop", "dQw4w9WgXcQ");
        assertThat(key.streamUrl()).contains("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop");
        assertThat(key.viewUrl()).contains("http://youtu.be/dQw4w9WgXcQ");
        assertThat(stream("abcd", null).viewUrl()).isEmpty();
        // Unlike Jibri, another scheme is not mistaken for a YouTube key: it is refused for what it is.
        assertThat(stream("srt://example.com:9000/k", null).streamUrl()).contains("srt://example.com:9000/k");
    }

    @Test
    void readsAStopWithAndWithoutSession() throws Exception {
        assertThat(JibriRequest.parse(parse("<jibri xmlns='http://jitsi.org/protocol/jibri' action='stop'"
                + " session_id='abc'/>"), JSON)).isEqualTo(new JibriRequest.Stop(Optional.of("abc")));
        assertThat(JibriRequest.parse(parse("<jibri xmlns='http://jitsi.org/protocol/jibri' action='stop'/>"), JSON))
                .isEqualTo(new JibriRequest.Stop(Optional.empty()));
    }

    @Test
    void explainsWhatIsWrongWithAMalformedRequest() throws Exception {
        assertThatThrownBy(() -> JibriRequest.parse(parse("<jibri xmlns='http://jitsi.org/protocol/jibri'"
                + " action='start' session_id='s'/>"), JSON)).hasMessage("the room attribute is missing");
        assertThatThrownBy(() -> JibriRequest.parse(parse("<jibri xmlns='http://jitsi.org/protocol/jibri'"
                + " action='start' session_id='s' room='r@muc.x' app_data='{not json'/>"), JSON))
                .hasMessageStartingWith("app_data is not a JSON object");
        assertThatThrownBy(() -> JibriRequest.parse(parse("<jibri xmlns='http://jitsi.org/protocol/jibri'"
                + " action='explode'/>"), JSON)).hasMessage("unknown action 'explode'; expected start or stop");
        assertThatThrownBy(() -> JibriRequest.parse(parse("<jibri xmlns='http://jitsi.org/protocol/jibri'"
                + " action='start' session_id='s' room='not a jid'/>"), JSON))
                .hasMessageContaining("is not a room JID");
        String huge = "r".repeat(100_000);
        assertThatThrownBy(() -> JibriRequest.parse(parse("<jibri xmlns='http://jitsi.org/protocol/jibri'"
                + " action='start' session_id='s' room='" + huge + "@muc.x'/>"), JSON))
                .hasMessage("attribute room is 100006 characters long; at most 4096 are accepted");
    }

    @Test
    void answersInJibrisExactForm() {
        assertThat(JibriIq.status(JibriIq.Status.PENDING).getChildElementXML().toString())
                .isEqualTo("<jibri xmlns='http://jitsi.org/protocol/jibri' status='pending'/>");
        assertThat(JibriIq.status(JibriIq.Status.OFF, Optional.of(JibriIq.FailureReason.BUSY), true)
                .getChildElementXML().toString()).isEqualTo("<jibri xmlns='http://jitsi.org/protocol/jibri'"
                        + " status='off' failure_reason='busy' should_retry='true'/>");
        // The form observed working with a current Jicofo (jibri.md §11.11): busy-status inherits its namespace.
        assertThat(new JibriStatus(false, true).toXML().toString()).isEqualTo(
                "<jibri-status xmlns='http://jitsi.org/protocol/jibri'>"
                        + "<busy-status status='idle'/>"
                        + "<health-status xmlns='http://jitsi.org/protocol/health' status='healthy'/>"
                        + "</jibri-status>");
    }
}
