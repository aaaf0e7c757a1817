package dev.capstan.scheduler.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.recorder.browser.CallLogin;
import dev.capstan.recorder.capture.OutputSize;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.slot.AutoStop;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The plan a scheduler sends a node and keeps with the session: it comes back exactly, and leaks no login. */
class PlanJsonTest {

    private static final String KEY = "live_123456_SeCrEtKeY";

    @Test
    void aJitsiRoomPlanComesBackWhole() throws Exception {
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("course", "math-101");
        metadata.put("term", Map.of("year", 2026));
        metadata.put("note", null);
        RecordingPlan plan = new RecordingPlan(RecordingId.of("20261207-050000-abcdef"), "standup",
                new Meeting.JitsiRoom(URI.create("https://meet.example.com/standup"),
                        new Login.OfEnvironment("prod"), Optional.of(true), "capstan",
                        Optional.of("http://youtu.be/xyz")),
                RecordingPlan.outputs(true, List.of(StreamUrl.parse("rtmp://127.0.0.1:1935/live/" + KEY))),
                Optional.of(Duration.ofMinutes(90)), Optional.of(AutoStop.jibriDefaults()),
                Optional.of(new OutputSize(640, 360)), metadata, Optional.of("jicofo-session-1"),
                Instant.parse("2026-12-07T05:00:00Z"));

        String json = PlanJson.write(plan);
        RecordingPlan back = PlanJson.read(json);

        assertThat(back).isEqualTo(plan);
        assertThat(back.mode()).isEqualTo(Mode.BOTH);
        assertThat(back.streams().get(0).reveal()).endsWith(KEY);
        assertThat(json).contains("\"kind\":\"jitsi-room\"", "\"kind\":\"environment\"", "\"maxDuration\":\"PT1H30M\"")
                .doesNotContain("password");
        assertThat(plan.toString()).doesNotContain(KEY, "meet.example.com");
    }

    @Test
    void aLoginHandedInNeverLeavesTheProcess() {
        RecordingPlan plan = new RecordingPlan(RecordingId.of("rec-1"), "room",
                new Meeting.JitsiRoom(URI.create("https://meet.example.com/room"),
                        new Login.Given(new CallLogin("recorder.meet.example.com", "jibri", "hunter2", false)),
                        Optional.empty(), "jibri", Optional.empty()),
                RecordingPlan.outputs(true, List.of()), Optional.empty(), Optional.empty(), Optional.empty(),
                Map.of(), Optional.empty(), Instant.now());

        assertThatThrownBy(() -> PlanJson.write(plan)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stays in this process").hasMessageNotContaining("hunter2");
    }

    @Test
    void aMalformedPlanIsRefusedWithoutShowingItsKeys() {
        String badStream = "{\"id\":\"rec-1\",\"name\":\"n\",\"meeting\":{\"kind\":\"page\",\"address\":\"https://a.b/c\"},"
                + "\"outputs\":[{\"kind\":\"stream\",\"url\":\"ftp://host/live/" + KEY + "\"}],"
                + "\"requestedAt\":\"2026-12-07T05:00:00Z\"}";
        assertThatThrownBy(() -> PlanJson.read(badStream)).isInstanceOf(PlanJson.MalformedPlanException.class)
                .hasMessageNotContaining(KEY);
        assertThatThrownBy(() -> PlanJson.read("{\"id\":\"../etc\"}"))
                .isInstanceOf(PlanJson.MalformedPlanException.class).hasMessageContaining("recording id");
        String minimal = "{\"id\":\"rec-1\",\"name\":\"n\",\"meeting\":{\"kind\":\"page\",\"address\":\"https://a.b/c\"},"
                + "\"outputs\":[{\"kind\":\"file\"}],\"requestedAt\":\"2026-12-07T05:00:00Z\"";
        assertThatThrownBy(() -> PlanJson.read(minimal + ",\"mode\":\"file\"}"))
                .isInstanceOf(PlanJson.MalformedPlanException.class).hasMessageContaining("\"mode\"");
        assertThatThrownBy(() -> PlanJson.read("{\"id\":\"rec-1\"}"))
                .isInstanceOf(PlanJson.MalformedPlanException.class).hasMessageContaining("name is required");
        assertThatThrownBy(() -> PlanJson.read(minimal.replace("\"kind\":\"file\"", "\"kind\":\"hologram\"") + "}"))
                .isInstanceOf(PlanJson.MalformedPlanException.class).hasMessageContaining("hologram");
    }

    @Test
    void whatIsLeftOutIsEmpty() throws Exception {
        RecordingPlan plan = PlanJson.read("{\"id\":\"rec-1\",\"name\":\"n\",\"meeting\":{\"kind\":\"page\","
                + "\"address\":\"https://a.b/c\"},\"outputs\":[{\"kind\":\"file\"}],"
                + "\"requestedAt\":\"2026-12-07T05:00:00Z\"}");
        assertThat(plan.maxDuration()).isEmpty();
        assertThat(plan.autoStop()).isEmpty();
        assertThat(plan.sessionId()).isEmpty();
        assertThat(plan.metadata()).isEmpty();
        assertThat(plan.mode()).isEqualTo(Mode.FILE);
    }

    @Test
    void anAudioOnlyPlanComesBackAsAudio() throws Exception {
        RecordingPlan plan = new RecordingPlan(RecordingId.of("rec-audio"), "podcast",
                new Meeting.Page(URI.create("https://a.b/c")), List.of(new Output.AudioFile()),
                Optional.of(Duration.ofMinutes(5)), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(),
                Instant.parse("2026-12-07T05:00:00Z"));

        String json = PlanJson.write(plan);
        RecordingPlan back = PlanJson.read(json);

        assertThat(back).isEqualTo(plan);
        assertThat(json).contains("\"outputs\":[{\"kind\":\"audio\"}]");
        assertThat(back.mode()).isEqualTo(Mode.AUDIO);
        assertThat(back.audioOnly()).isTrue();
        assertThat(back.recordsFile()).isTrue();
        assertThat(back.streams()).isEmpty();
        assertThat(Mode.ofWireName("audio")).contains(Mode.AUDIO);
    }

    @Test
    void audioOnlyWithAPictureOrAStreamIsRefusedByName() throws Exception {
        String plan = "{\"id\":\"rec-1\",\"name\":\"n\",\"meeting\":{\"kind\":\"page\",\"address\":\"https://a.b/c\"},"
                + "\"outputs\":%s,\"requestedAt\":\"2026-12-07T05:00:00Z\"}";
        assertThatThrownBy(() -> PlanJson.read(plan.formatted("[{\"kind\":\"audio\"},{\"kind\":\"file\"}]")))
                .isInstanceOf(PlanJson.MalformedPlanException.class)
                .hasMessageContaining("a recording makes one file: audio + file");
        assertThatThrownBy(() -> PlanJson.read(plan.formatted("[{\"kind\":\"audio\"},{\"kind\":\"stream\","
                + "\"url\":\"rtmp://127.0.0.1/live/" + KEY + "\"}]")))
                .isInstanceOf(PlanJson.MalformedPlanException.class)
                .hasMessageContaining("an audio-only recording streams nothing: audio + stream")
                .hasMessageNotContaining(KEY);
        RecordingPlan audio = new RecordingPlan(RecordingId.of("rec-1"), "n",
                new Meeting.Page(URI.create("https://a.b/c")), List.of(new Output.AudioFile()), Optional.empty(),
                Optional.empty(), Optional.empty(), Map.of(), Optional.empty(), Instant.now());
        StreamUrl added = StreamUrl.parse("rtmp://127.0.0.1/live/" + KEY);
        assertThatThrownBy(() -> audio.withStream(added))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("audio + stream");
    }

    @Test
    void speakerTracksTravelBesideAFileOrAnAudioFile() throws Exception {
        for (Output file : List.of(new Output.File(), new Output.AudioFile())) {
            RecordingPlan plan = new RecordingPlan(RecordingId.of("rec-tracks"), "standup",
                    new Meeting.Page(URI.create("https://a.b/c")), List.of(file, new Output.SpeakerTracks()),
                    Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(),
                    Instant.parse("2026-12-07T05:00:00Z"));

            String json = PlanJson.write(plan);
            RecordingPlan back = PlanJson.read(json);

            assertThat(back).isEqualTo(plan);
            assertThat(json).contains("{\"kind\":\"speaker-tracks\"}");
            assertThat(back.speakerTracks()).isTrue();
            assertThat(back.recordsFile()).isTrue();
            assertThat(back.audioOnly()).isEqualTo(file instanceof Output.AudioFile);
        }
        RecordingPlan plain = RecordingPlan.ofPage(RecordingId.of("rec-1"), "n", URI.create("https://a.b/c"),
                Optional.empty());
        assertThat(plain.speakerTracks()).isFalse();
        assertThat(plain.withSpeakerTracks().speakerTracks()).isTrue();
        assertThat(plain.withSpeakerTracks().withSpeakerTracks()).isEqualTo(plain.withSpeakerTracks());
    }

    @Test
    void speakerTracksWithoutAFileOrTwiceAreRefusedByName() {
        String plan = "{\"id\":\"rec-1\",\"name\":\"n\",\"meeting\":{\"kind\":\"page\",\"address\":\"https://a.b/c\"},"
                + "\"outputs\":%s,\"requestedAt\":\"2026-12-07T05:00:00Z\"}";
        assertThatThrownBy(() -> PlanJson.read(plan.formatted("[{\"kind\":\"speaker-tracks\"}]")))
                .isInstanceOf(PlanJson.MalformedPlanException.class)
                .hasMessageContaining("speaker tracks are kept beside a file, a stream keeps none: speaker-tracks");
        assertThatThrownBy(() -> PlanJson.read(plan.formatted("[{\"kind\":\"speaker-tracks\"},{\"kind\":\"stream\","
                + "\"url\":\"rtmp://127.0.0.1/live/" + KEY + "\"}]")))
                .isInstanceOf(PlanJson.MalformedPlanException.class)
                .hasMessageContaining("speaker-tracks + stream").hasMessageNotContaining(KEY);
        assertThatThrownBy(() -> PlanJson.read(plan.formatted(
                "[{\"kind\":\"file\"},{\"kind\":\"speaker-tracks\"},{\"kind\":\"speaker-tracks\"}]")))
                .isInstanceOf(PlanJson.MalformedPlanException.class)
                .hasMessageContaining("speaker tracks are asked for once: file + speaker-tracks + speaker-tracks");
        // A node from before speaker tracks refuses such a plan by the kind's name (as it does "hologram").
        assertThatThrownBy(() -> PlanJson.read(plan.formatted("[{\"kind\":\"file\"},{\"kind\":\"subtitles\"}]")))
                .isInstanceOf(PlanJson.MalformedPlanException.class).hasMessageContaining("subtitles");
    }

    @Test
    void aLaterPartGetsWhatIsLeftOfTheLimit() {
        Instant requested = Instant.parse("2026-12-07T05:00:00Z");
        RecordingPlan plan = new RecordingPlan(RecordingId.of("rec-1"), "n",
                new Meeting.Page(URI.create("https://a.b/c")), RecordingPlan.outputs(true, List.of()),
                Optional.of(Duration.ofMinutes(10)), Optional.empty(), Optional.empty(), Map.of(), Optional.empty(),
                requested);
        assertThat(plan.timeLeft(requested.plusSeconds(240))).contains(Duration.ofMinutes(6));
        assertThat(plan.timeLeft(requested.plusSeconds(3600))).contains(Duration.ofSeconds(1));
        assertThat(plan.order(2, RecordingId.of("rec-1-p2")).partOf()).hasValueSatisfying(part -> {
            assertThat(part.parent()).isEqualTo(RecordingId.of("rec-1"));
            assertThat(part.number()).isEqualTo(2);
        });
    }
}
