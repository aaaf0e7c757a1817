package dev.capstan.recorder.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StreamUrlTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop | rtmp://a.rtmp.youtube.com/live2/****",
            "RTMPS://live-api-s.facebook.com:443/rtmp/FB-1234567-0-AbCdEf?s_bl=1&s_sc=12 | rtmps://live-api-s.facebook.com:443/rtmp/****?****",
            "rtmp://user:secretpass@ingest.example.com/app/stream/key123 | rtmp://****@ingest.example.com/app/stream/****",
            "rtmp://127.0.0.1:1935/live | rtmp://127.0.0.1:1935/live",
    })
    void showsOnlyTheMaskedAddress(String url, String masked) throws Exception {
        StreamUrl parsed = StreamUrl.parse(url);
        assertThat(parsed.masked()).isEqualTo(masked);
        assertThat(parsed.toString()).isEqualTo(masked);
        assertThat(parsed.reveal()).isEqualTo(url);
    }

    @Test
    void masksTheKeyWhereverAnEncoderMessageRepeatsIt() throws Exception {
        StreamUrl url = StreamUrl.parse("rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop");
        assertThat(url.redact("[flv] rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl-mnop: Broken pipe"))
                .isEqualTo("[flv] rtmp://a.rtmp.youtube.com/live2/****: Broken pipe");
        assertThat(url.redact("Publishing stream abcd-efgh-ijkl-mnop failed")).isEqualTo("Publishing stream **** failed");
        assertThat(url.secure()).isFalse();
        assertThat(StreamUrl.parse("rtmps://x.example/app/k3y9").secure()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "http://example.com/live/secretkey | SCHEME | uses http://",
            "srt://example.com:9000?streamid=secretkey | SCHEME | uses srt://",
            "example.com/live/secretkey | SCHEME | no scheme",
            "rtmp:///live/secretkey | MALFORMED | no host",
            "rtmp://example.com | MALFORMED | no application",
            "rtmp://example.com/live/secret key | MALFORMED | spaces",
            "rtmp://exa mple.com/secretkey | MALFORMED | spaces",
            "rtmp://[bad/live/secretkey | MALFORMED | not a valid URL",
    })
    void refusesWhatCannotBeStreamedToWithoutRepeatingTheKey(String url, String problem, String says) {
        assertThatThrownBy(() -> StreamUrl.parse(url))
                .isInstanceOfSatisfying(InvalidStreamUrlException.class,
                        e -> assertThat(e.problem()).isEqualTo(InvalidStreamUrlException.Problem.valueOf(problem)))
                .hasMessageContaining(says)
                .hasMessageNotContaining("secret");
    }

    @Test
    void refusesEmptyAndOversizedAddresses() {
        assertThatThrownBy(() -> StreamUrl.parse(" ")).hasMessageContaining("no stream URL");
        assertThatThrownBy(() -> StreamUrl.parse(null)).hasMessageContaining("no stream URL");
        assertThatThrownBy(() -> StreamUrl.parse("rtmp://example.com/live/" + "k".repeat(StreamUrl.MAX_LENGTH)))
                .hasMessageContaining("longer than 2048");
    }

    @Test
    void allowListMatchesWholeAddressesAndUnresolvableHostsAreRefused() throws Exception {
        StreamPolicy youtubeOnly = StreamPolicy.allowing(List.of("rtmps?://a\\.rtmp\\.youtube\\.com/live2/.*",
                "rtmp://127\\.0\\.0\\.1(:\\d+)?/.*"));
        assertThat(youtubeOnly.check("rtmp://127.0.0.1:1935/live/abc").masked()).isEqualTo("rtmp://127.0.0.1:1935/live/****");
        assertThatThrownBy(() -> youtubeOnly.check("rtmp://evil.example.com/live2/secretkey"))
                .isInstanceOfSatisfying(InvalidStreamUrlException.class,
                        e -> assertThat(e.problem()).isEqualTo(InvalidStreamUrlException.Problem.NOT_ALLOWED))
                .hasMessage("rtmp://evil.example.com/live2/**** is not on this server's allow-list of stream addresses");
        // RFC 6761: .invalid never resolves.
        assertThatThrownBy(() -> StreamPolicy.ANY.check("rtmp://no-such-host.invalid/live/secretkey"))
                .isInstanceOfSatisfying(InvalidStreamUrlException.class,
                        e -> assertThat(e.problem()).isEqualTo(InvalidStreamUrlException.Problem.UNRESOLVABLE))
                .hasMessageContaining("no-such-host.invalid cannot be resolved")
                .hasMessageNotContaining("secret");
    }

    @Test
    void reconnectionWaitsDoubleUpToTheLongest() {
        LiveSettings settings = LiveSettings.DEFAULTS;
        assertThat(List.of(1, 2, 3, 4, 5, 9).stream().map(settings::retryDelay).map(Duration::toSeconds))
                .containsExactly(1L, 2L, 4L, 8L, 8L, 8L);
    }
}
