package dev.capstan.recorder.tracks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.recorder.browser.CallLogin;
import dev.capstan.recorder.browser.JitsiMeetPage;
import dev.capstan.recorder.browser.LoginDelivery;
import dev.capstan.recorder.fixture.CpuHog;
import dev.capstan.recorder.fixture.LoopbackSpeaker;
import dev.capstan.recorder.fixture.LoopbackSpeaker.Window;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.fixture.ProsodyServer;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.Slot;
import dev.capstan.recorder.slot.SlotConfig;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each speaker of a Jitsi-like meeting on a file of their own: the fake jitsi-meet on a real Prosody, with three
 * participants whose sound arrives as real remote WebRTC tracks (Alice beeps at 440 Hz and mutes for 2 s, Bob at
 * 1000 Hz leaves and comes back, Carol never sends), recorded by the real pipeline.
 */
@Tag("media")
class SpeakerTracksLiveTest {

    private static final double ALICE_HZ = 440;
    private static final double BOB_HZ = 1000;
    /**
     * Sound sent before a mute or a leave still arrives through the network and the jitter buffer, the longer the
     * busier the host; a beep lasts 300 ms and comes every second.
     */
    private static final long IN_FLIGHT_MS = 500;

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void eachSpeakerHasTheirOwnFileOnTheRecordingsTimeline() throws Exception {
        List<SlotEvent> events = new CopyOnWriteArrayList<>();
        Path directory = temp.resolve("recordings/tracks");
        SlotEvent.Outcome outcome;
        try (ProsodyServer prosody = ProsodyServer.start(temp.resolve("prosody"));
                PageServer pages = PageServer.start();
                Slot slot = new Slot("slot-1", SlotConfig.defaults().withWorkDirectory(temp.resolve("work")))) {
            pages.loopbackSpeakers(List.of(
                    LoopbackSpeaker.of("Alice", ALICE_HZ, Duration.ZERO).muted(Window.between(4, 6)),
                    LoopbackSpeaker.of("Bob", BOB_HZ, Duration.ofMillis(500))
                            .present(Window.between(0, 5), Window.from(8.5)),
                    LoopbackSpeaker.of("Carol", 660, Duration.ZERO).sendingNothing()));
            RecordingRequest request = RecordingRequest.of(RecordingId.of("tracks"), meeting(pages, prosody),
                    directory).withMaxDuration(Duration.ofSeconds(60)).withSpeakerTracks();
            // A loaded host is the normal case: the timeline must hold while the cores are busy.
            try (CpuHog hog = CpuHog.steady(1.5)) {
                outcome = record(slot, request, events, Duration.ofSeconds(14));
            }
        }
        assertThat(outcome).isInstanceOf(SlotEvent.Stopped.class);
        assertThat(events).filteredOn(SlotEvent.TracksChanged.class::isInstance)
                .extracting(e -> ((SlotEvent.TracksChanged) e).status())
                .as("the status follows the capture").first()
                .satisfies(status -> assertThat(status.capture()).isEqualTo(SpeakerTracks.Capture.CAPTURED));

        SpeakerTracks tracks = SpeakerTracks.readFrom(directory).orElseThrow();
        System.out.println(tracks.toJson());
        assertThat(tracks.capture()).isEqualTo(SpeakerTracks.Capture.CAPTURED);
        assertThat(tracks.speakers()).extracting(SpeakerTracks.Speaker::displayName)
                .as("Carol never sent a sound: she has no file").containsExactly("Alice", "Bob");
        try (Stream<Path> files = Files.list(directory.resolve(SpeakerTracks.DIRECTORY))) {
            assertThat(files.map(file -> SpeakerTracks.DIRECTORY + "/" + file.getFileName()))
                    .as("no file but those listed, and no empty one")
                    .containsExactlyInAnyOrderElementsOf(
                            Stream.concat(tracks.files().stream(), Stream.of(SpeakerTracks.MANIFEST)).toList());
        }
        SpeakerTracks.Speaker alice = tracks.speakers().get(0);
        SpeakerTracks.Speaker bob = tracks.speakers().get(1);
        assertThat(alice.parts()).hasSize(1);
        assertThat(bob.parts()).as("Bob left and came back").hasSize(2);
        assertThat(bob.participantIds()).as("a new conference id for each join").hasSize(2);

        MediaReport composite = MediaReport.of(directory.resolve("tracks.mp4"));
        for (SpeakerTracks.Part part : alice.parts()) {
            MediaReport file = MediaReport.of(directory.resolve(part.file()));
            assertThat(file.toneLevelDb(ALICE_HZ) - file.toneLevelDb(BOB_HZ)).as("Alice's file is Alice")
                    .isGreaterThan(20);
            assertAligned(part, file, composite, ALICE_HZ);
        }
        for (SpeakerTracks.Part part : bob.parts()) {
            MediaReport file = MediaReport.of(directory.resolve(part.file()));
            assertThat(file.toneLevelDb(BOB_HZ) - file.toneLevelDb(ALICE_HZ)).as("Bob's file is Bob")
                    .isGreaterThan(20);
            assertAligned(part, file, composite, BOB_HZ);
        }

        long gap = bob.parts().get(1).offsetMs() - bob.parts().get(0).endMs();
        assertThat(gap).as("Bob was away 3.5 s: the gap is on the timeline").isBetween(2_500L, 4_500L);
        assertThat(bob.present()).as("Bob's two stays").hasSize(2);
        long away = bob.present().get(1).fromMs() - bob.present().get(0).toMs();
        assertThat(away).isBetween(3_000L, 4_000L);
        assertThat(tracks.timeline()).filteredOn(entry -> entry.speakerId().equals(bob.id()))
                .as("no beep of Bob begins while he is away (what was in flight when he left aside)")
                .noneMatch(entry -> entry.fromMs() > bob.present().get(0).toMs() + IN_FLIGHT_MS
                        && entry.fromMs() < bob.present().get(1).fromMs() - 300);

        assertThat(alice.muted()).as("Alice muted once, for 2 s").hasSize(1);
        SpeakerTracks.Span muted = alice.muted().get(0);
        assertThat(muted.toMs() - muted.fromMs()).isBetween(1_700L, 2_300L);
        assertThat(tracks.timeline()).filteredOn(entry -> entry.speakerId().equals(alice.id()))
                .as("no beep of Alice begins while she is muted (what was in flight when she muted aside)")
                .noneMatch(entry -> entry.fromMs() > muted.fromMs() + IN_FLIGHT_MS
                        && entry.fromMs() < muted.toMs() - 300);
        List<Long> aliceHeard = tracks.timeline().stream().filter(entry -> entry.speakerId().equals(alice.id()))
                .map(entry -> entry.toMs() - entry.fromMs()).sorted().toList();
        assertThat(aliceHeard).as("Alice's beeps: one a second but while muted").hasSizeGreaterThan(7);
        assertThat(aliceHeard.get(aliceHeard.size() / 2))
                .as("300 ms each (a starved page's jitter buffer stretches some)").isBetween(250L, 450L);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void anAudioOnlyRecordingKeepsGoingAndKeepsItsTracksWhenThePageBreaksTheCapture() throws Exception {
        List<SlotEvent> events = new CopyOnWriteArrayList<>();
        Path directory = temp.resolve("recordings/broken");
        SlotEvent.Outcome outcome;
        try (ProsodyServer prosody = ProsodyServer.start(temp.resolve("prosody"));
                PageServer pages = PageServer.start();
                Slot slot = new Slot("slot-1", SlotConfig.defaults().withWorkDirectory(temp.resolve("work")))) {
            pages.loopbackSpeakers(List.of(LoopbackSpeaker.of("Alice", ALICE_HZ, Duration.ZERO)));
            pages.breakTrackCaptureAfter(Duration.ofSeconds(5));
            RecordingRequest request = RecordingRequest.of(RecordingId.of("broken"), meeting(pages, prosody),
                    directory).withMaxDuration(Duration.ofSeconds(60)).audioOnly().withSpeakerTracks();
            outcome = record(slot, request, events, Duration.ofSeconds(10));
        }
        assertThat(outcome).as("the composite recording went on").isInstanceOf(SlotEvent.Stopped.class);
        MediaReport composite = MediaReport.of(((SlotEvent.Stopped) outcome).file().orElseThrow());
        assertThat(composite.width()).as("audio only: no picture").isZero();
        assertThat(composite.duration()).as("as long as it was on").isBetween(9.0, 12.5);
        assertThat(composite.toneLevelDb(ALICE_HZ)).as("Alice is heard in the composite").isGreaterThan(20);
        assertThat(events).filteredOn(SlotEvent.TracksChanged.class::isInstance)
                .extracting(e -> ((SlotEvent.TracksChanged) e).status().capture())
                .as("the status tells the capture broke").containsSubsequence(SpeakerTracks.Capture.CAPTURED,
                        SpeakerTracks.Capture.FAILED);

        SpeakerTracks tracks = SpeakerTracks.readFrom(directory).orElseThrow();
        System.out.println(tracks.toJson());
        assertThat(tracks.capture()).isEqualTo(SpeakerTracks.Capture.FAILED);
        assertThat(tracks.detail()).contains("track capture failed");
        assertThat(tracks.speakers()).as("what was taken before the break is kept").singleElement()
                .satisfies(alice -> {
                    assertThat(alice.displayName()).isEqualTo("Alice");
                    SpeakerTracks.Part part = alice.parts().get(0);
                    MediaReport file = MediaReport.of(directory.resolve(part.file()));
                    assertThat(file.toneLevelDb(ALICE_HZ)).isGreaterThan(20);
                    assertThat(file.duration()).as("the seconds before the break").isBetween(1.5, 6.5);
                    assertAligned(part, file, composite, ALICE_HZ);
                });
    }

    /** The fake jitsi-meet's room, joined with the recorder's hidden login. */
    private static JitsiMeetPage meeting(PageServer pages, ProsodyServer prosody) {
        URI meeting = URI.create(pages.fakeJitsiMeet(prosody.websocketUrl()) + "/podcast");
        return new JitsiMeetPage(meeting, Optional.of(new CallLogin(ProsodyServer.RECORDER_DOMAIN,
                ProsodyServer.RECORDER_USER, ProsodyServer.RECORDER_PASSWORD, false)), LoginDelivery.URL_HASH,
                Map.of(), Optional.empty(), "jibri", Duration.ofSeconds(15));
    }

    /** Records for {@code length} after the first frame, then stops and waits for the outcome. */
    private static SlotEvent.Outcome record(Slot slot, RecordingRequest request, List<SlotEvent> events,
            Duration length) throws Exception {
        Recording recording = slot.record(request, events::add);
        await("the first frame").atMost(Duration.ofSeconds(45))
                .failFast(() -> assertThat(events).noneMatch(SlotEvent.Failed.class::isInstance))
                .until(() -> events.stream().anyMatch(SlotEvent.FirstFrameWritten.class::isInstance));
        Thread.sleep(length.toMillis());
        return recording.stop().get(60, TimeUnit.SECONDS);
    }

    /** The tone's beeps in the file, moved by its offset, fall where the composite has them: within 100 ms. */
    private static void assertAligned(SpeakerTracks.Part part, MediaReport file, MediaReport composite, double hz) {
        List<Double> inFile = MediaReport.onsets(file.audio(), hz);
        List<Double> inComposite = MediaReport.onsets(composite.audio(), hz);
        assertThat(inFile).as("beeps in %s", part.file()).hasSizeGreaterThanOrEqualTo(2);
        List<Double> errors = new ArrayList<>();
        for (double onset : inFile) {
            double onTimeline = onset + part.offsetMs() / 1000.0;
            inComposite.stream().min((a, b) -> Double.compare(Math.abs(a - onTimeline), Math.abs(b - onTimeline)))
                    .ifPresent(nearest -> errors.add((onTimeline - nearest) * 1000));
        }
        List<Double> sorted = errors.stream().sorted().toList();
        double median = sorted.get(sorted.size() / 2);
        System.out.printf("%s: %d beeps, file ahead of the composite by %.0f ms (median; in order %s)%n",
                part.file(), errors.size(), median, errors.stream().map(e -> String.format("%.0f", e)).toList());
        assertThat(Math.abs(median)).as("%s is aligned to the composite", part.file()).isLessThan(100);
    }
}
