package dev.capstan.recorder.slot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.demo.DemoMeeting;
import dev.capstan.recorder.fixture.Leftovers;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.fixture.RtmpServer;
import dev.capstan.recorder.live.LiveOutput;
import dev.capstan.recorder.live.LiveSettings;
import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.media.RecordingQuality;
import dev.capstan.storage.archive.RecordingId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Records the demo meeting and streams it live at once, from one encode, to a real nginx with the RTMP module;
 * the server is killed for 10 s in the middle, as a media server restart would.
 */
@Tag("media")
class LiveRecordingTest {

    private static final String KEY = "yt-key-4e9b-77d1";
    private static final int SECONDS = 24;

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void recordAndStreamFromOneEncodeAndTheStreamSurvivesAServerOutageWhileTheFileHasNoGap() throws Exception {
        Path work = temp.resolve("work");
        List<SlotEvent> events = new CopyOnWriteArrayList<>();
        LiveSettings settings = new LiveSettings(2976, 5952, Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofMinutes(1), Duration.ofSeconds(5), 4);
        SlotEvent.Outcome outcome;
        long liveAgainMillis;
        try (RtmpServer server = RtmpServer.start(temp.resolve("nginx"));
             PageServer pages = PageServer.start();
             Slot slot = new Slot("slot-1", SlotConfig.defaults().withWorkDirectory(work))) {
            RecordingRequest request = RecordingRequest.of(RecordingId.of("live-demo"), new WebPage(pages.demo()),
                            temp.resolve("recordings/live-demo"))
                    .withMaxDuration(Duration.ofSeconds(SECONDS))
                    .withLive(new LiveOutput(List.of(StreamUrl.parse(server.rtmpUrl(KEY))), settings, true));
            Recording recording = slot.record(request, events::add);

            RtmpServer.Publisher publisher = server.awaitPublisher(KEY, Duration.ofSeconds(20)).orElseThrow();
            assertThat(publisher.videoCodec()).isEqualTo("H264");
            assertThat(publisher.audioCodec()).isEqualTo("AAC");
            assertThat(publisher.width()).isEqualTo(1280);
            assertThat(publisher.height()).isEqualTo(720);
            Thread.sleep(3000);
            StreamStats live = recording.streams().get(0);
            assertThat(live.connected()).isTrue();
            assertThat(live.url()).doesNotContain(KEY);

            server.kill();
            Thread.sleep(10_000);
            assertThat(recording.streams().get(0).connected()).as("the destination is down").isFalse();
            long back = System.nanoTime();
            server.restart();
            assertThat(server.awaitPublisher(KEY, Duration.ofSeconds(8))).as("the stream resumes").isPresent();
            liveAgainMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - back);
            assertThat(recording.streams().get(0).reconnects()).isPositive();

            outcome = recording.outcome().get(60, TimeUnit.SECONDS);
            assertThat(slot.state()).isInstanceOf(SlotState.Idle.class);
            assertThat(server.recordings(KEY)).as("what nginx received before and after its outage").hasSize(2);

            MediaReport before = MediaReport.of(server.recordings(KEY).get(0));
            System.out.println("stream before the outage: " + before);
            assertThat(before.width()).isEqualTo(1280);
            assertThat(before.height()).isEqualTo(720);
            assertThat(before.duration()).isGreaterThan(3.0);
            // Every frame streamed is a real grab (no padding copies), so a busy host shows as a few frames fewer:
            // the same 90% bar as the file's (RecordingQuality).
            assertThat(before.averageFps()).isBetween(27.0, 31.0);
            assertThat(before.hasPicture()).isTrue();
            for (int tone : DemoMeeting.TILE_TONES_HZ) {
                assertThat(before.toneLevelDb(tone)).as("tone %d Hz in the stream", tone).isGreaterThan(20);
            }
            MediaReport after = MediaReport.of(server.recordings(KEY).get(1));
            System.out.println("stream after the outage (live again " + liveAgainMillis + " ms after nginx): " + after);
            assertThat(after.duration()).as("streamed after the outage").isGreaterThan(3.0);
            assertThat(after.averageFps()).isBetween(27.0, 31.0);
        }

        assertThat(outcome).as("the file recording ended normally").isInstanceOf(SlotEvent.Stopped.class);
        Path file = ((SlotEvent.Stopped) outcome).file().orElseThrow();
        // Full length, 30 fps, no run of repeated frames, tones and sync intact: the outage left no gap.
        RecordingQuality.assertRecordedWell(file, SECONDS);
        List<String> states = events.stream().filter(SlotEvent.StreamChanged.class::isInstance)
                .map(e -> ((SlotEvent.StreamChanged) e).stream().state()).toList();
        assertThat(states).containsSubsequence("connecting", "live", "retrying", "connecting", "live", "stopped");
        assertThat(events).filteredOn(SlotEvent.StreamChanged.class::isInstance)
                .allSatisfy(e -> assertThat(e.toString()).doesNotContain(KEY));
        Leftovers.assertNoneLeft(work);
    }
}
