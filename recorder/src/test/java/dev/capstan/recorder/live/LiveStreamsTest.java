package dev.capstan.recorder.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.capstan.recorder.capture.FfmpegBinary;
import dev.capstan.recorder.fixture.RtmpServer;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.process.ChildProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Live destinations fed by one encode, against a real nginx with the RTMP module: a synthetic picture and tone
 * stand in for a meeting, so these run in seconds without a browser.
 */
class LiveStreamsTest {

    private static final String KEY = "sk-live-7f3a9c2e51";
    private static final LiveSettings QUICK = new LiveSettings(2976, 5952, Duration.ofMillis(500),
            Duration.ofSeconds(2), Duration.ofMinutes(1), Duration.ofSeconds(5), 4);

    @TempDir
    Path temp;

    private final List<StreamStats> changes = new CopyOnWriteArrayList<>();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private RtmpServer server;
    private ChildProcess encoder;

    @BeforeEach
    void startServer() throws Exception {
        server = RtmpServer.start(temp.resolve("nginx"));
        logs.start();
        ((Logger) LoggerFactory.getLogger("dev.capstan.recorder")).addAppender(logs);
    }

    @AfterEach
    void stopAll() {
        ((Logger) LoggerFactory.getLogger("dev.capstan.recorder")).detachAppender(logs);
        if (encoder != null) {
            encoder.close();
        }
        server.close();
    }

    /** What the capture's tee sends to the feed: MPEG-TS of a 640x360 picture and a 440 Hz tone, in real time. */
    private void encodeInto(LiveStreams streams, int seconds) throws Exception {
        encoder = ChildProcess.start(ChildProcess.Spec.of("synthetic-encoder", List.of(
                FfmpegBinary.bundled().toString(), "-hide_banner", "-loglevel", "error", "-re",
                "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-t", Integer.toString(seconds), "-map", "0:v", "-map", "1:a",
                "-c:v", "libx264", "-preset", "superfast", "-tune", "zerolatency", "-g", "60", "-keyint_min", "60",
                "-maxrate", "2976k", "-bufsize", "5952k", "-c:a", "aac", "-ar", "48000", "-flags", "+global_header",
                "-f", "mpegts", streams.encoderUrl())));
    }

    private void awaitThat(String what, Duration timeout, BooleanSupplier condition) {
        await(what).atMost(timeout).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(condition.getAsBoolean()).as("changes so far: %s", changes).isTrue());
    }

    private static StreamStats only(LiveStreams streams, String id) {
        return streams.stats(id).orElseThrow();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void oneEncodeReachesRtmpAndRtmpsDestinationsAndTheServerGetsH264AacAtThirtyFps() throws Exception {
        try (LiveStreams streams = LiveStreams.open("two-destinations", FfmpegBinary.bundled(), QUICK, changes::add)) {
            String plain = streams.add(StreamUrl.parse(server.rtmpUrl(KEY))).id();
            String secure = streams.add(StreamUrl.parse(server.rtmpsUrl(KEY + "-tls"))).id();
            encodeInto(streams, 6);

            RtmpServer.Publisher publisher = server.awaitPublisher(KEY, Duration.ofSeconds(10)).orElseThrow();
            assertThat(publisher.videoCodec()).isEqualTo("H264");
            assertThat(publisher.audioCodec()).isEqualTo("AAC");
            assertThat(publisher.width()).isEqualTo(640);
            assertThat(publisher.height()).isEqualTo(360);
            assertThat(server.awaitPublisher(KEY + "-tls", Duration.ofSeconds(10))).isPresent();
            awaitThat("both live with a bitrate", Duration.ofSeconds(10),
                    () -> only(streams, plain).connected() && only(streams, plain).bitrateKbps() > 50
                            && only(streams, secure).connected());
            StreamStats stats = only(streams, plain);
            assertThat(stats.url()).isEqualTo("rtmp://127.0.0.1:" + server.rtmpPort() + "/live/****");
            assertThat(stats.state()).isEqualTo("live");
            assertThat(stats.bitrateKbps()).as("about the encode's rate").isBetween(50.0, 4000.0);
            assertThat(stats.reconnects()).isZero();
            encoder.exit().get(20, TimeUnit.SECONDS);
        }
        assertThat(changes).extracting(StreamStats::state).contains("connecting", "live", "stopped");

        List<Path> received = server.recordings(KEY);
        assertThat(received).hasSize(1);
        awaitThat("nginx to close the recording", Duration.ofSeconds(5), () -> publishers().isEmpty());
        MediaReport report = MediaReport.of(received.get(0));
        System.out.println("received over rtmp: " + report);
        assertThat(report.width()).isEqualTo(640);
        assertThat(report.duration()).as("what the destination got of the 6 s encode").isBetween(4.0, 6.5);
        assertThat(report.averageFps()).isBetween(28.5, 31.0);
        assertThat(report.dominantFrequency()).isBetween(430.0, 450.0);
        assertThat(server.recordings(KEY + "-tls")).hasSize(1);
        assertNoKeyIn(logs.list);
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void aDestinationThatGoesAwayForTenSecondsIsReconnectedWithoutTouchingTheOthers() throws Exception {
        RtmpServer other = RtmpServer.start(temp.resolve("other-nginx"));
        try (other; LiveStreams streams = LiveStreams.open("outage", FfmpegBinary.bundled(), QUICK, changes::add)) {
            String flaky = streams.add(StreamUrl.parse(server.rtmpUrl(KEY))).id();
            String steady = streams.add(StreamUrl.parse(other.rtmpUrl(KEY))).id();
            encodeInto(streams, 30);
            awaitThat("both live", Duration.ofSeconds(10),
                    () -> only(streams, flaky).connected() && only(streams, steady).connected());
            Thread.sleep(1500);

            server.kill();
            awaitThat("the drop noticed", Duration.ofSeconds(5), () -> !only(streams, flaky).connected());
            Thread.sleep(10_000);
            assertThat(only(streams, flaky).state()).isIn("retrying", "connecting");
            assertThat(only(streams, flaky).lastError()).isPresent();
            assertThat(only(streams, steady).connected()).as("the other destination is untouched").isTrue();
            long restartedAt = System.nanoTime();
            server.restart();
            awaitThat("live again", Duration.ofSeconds(10), () -> only(streams, flaky).connected());
            System.out.printf("live again %d ms after the server returned%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt));
            assertThat(server.awaitPublisher(KEY, Duration.ofSeconds(5))).isPresent();
            StreamStats back = only(streams, flaky);
            assertThat(back.reconnects()).isPositive();
            assertThat(only(streams, steady).reconnects()).isZero();
            Thread.sleep(3000);
        }
        assertThat(server.recordings(KEY)).as("one file before the outage, one after").hasSize(2);
        Path after = server.recordings(KEY).get(1);
        awaitThat("nginx to close the recording", Duration.ofSeconds(5), () -> publishers().isEmpty());
        MediaReport resumed = MediaReport.of(after);
        assertThat(resumed.duration()).as("the stream after the outage").isGreaterThan(2.0);
        assertThat(resumed.averageFps()).isBetween(28.5, 31.0);
        assertNoKeyIn(logs.list);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void destinationsComeAndGoWhileTheEncodeRunsAndAnUnreachableOneIsGivenUp() throws Exception {
        LiveSettings giveUpSoon = new LiveSettings(2976, 5952, Duration.ofMillis(300), Duration.ofMillis(600),
                Duration.ofSeconds(3), Duration.ofSeconds(5), 2);
        try (LiveStreams streams = LiveStreams.open("changes", FfmpegBinary.bundled(), giveUpSoon, changes::add)) {
            encodeInto(streams, 30);
            String first = streams.add(StreamUrl.parse(server.rtmpUrl(KEY))).id();
            assertThat(server.awaitPublisher(KEY, Duration.ofSeconds(10))).isPresent();

            // Nothing listens on the port: a destination that never answers.
            int closedPort = dev.capstan.storage.fixture.LoopbackPort.free();
            String dead = streams.add(StreamUrl.parse("rtmp://127.0.0.1:" + closedPort + "/live/" + KEY)).id();
            assertThatThrownBy(() -> streams.add(StreamUrl.parse(server.rtmpUrl("third"))))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("at most 2");
            awaitThat("the dead destination given up", Duration.ofSeconds(10),
                    () -> only(streams, dead).state().equals("gave-up"));
            assertThat(only(streams, dead).lastError()).isPresent();
            assertThat(streams.allGaveUp()).isFalse();

            assertThat(streams.remove(first)).isTrue();
            assertThat(streams.remove(first)).isFalse();
            awaitThat("the publisher gone", Duration.ofSeconds(5), () -> publishers().isEmpty());
            String second = streams.add(StreamUrl.parse(server.rtmpUrl(KEY + "-2"))).id();
            assertThat(second).isNotEqualTo(first);
            assertThat(server.awaitPublisher(KEY + "-2", Duration.ofSeconds(10))).isPresent();
            assertThat(streams.stats()).extracting(StreamStats::id).containsExactly(dead, second);
        }
        assertNoKeyIn(logs.list);
    }

    private List<RtmpServer.Publisher> publishers() {
        try {
            return server.publishers();
        } catch (Exception e) {
            return List.of();
        }
    }

    private static void assertNoKeyIn(List<ILoggingEvent> events) {
        assertThat(events).as("log lines").isNotEmpty();
        for (ILoggingEvent event : events) {
            assertThat(event.getFormattedMessage()).as("a log line").doesNotContain(KEY);
        }
    }
}
