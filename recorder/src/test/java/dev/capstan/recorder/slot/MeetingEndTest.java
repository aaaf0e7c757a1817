package dev.capstan.recorder.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.recorder.browser.CallLogin;
import dev.capstan.recorder.browser.JitsiMeetPage;
import dev.capstan.recorder.browser.LoginDelivery;
import dev.capstan.recorder.browser.Participant;
import dev.capstan.recorder.fixture.MeetingGuest;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.fixture.ProsodyServer;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recording of a Jitsi-like meeting ends by itself once the last participant has left: the real pipeline (Xvfb,
 * PulseAudio, Chromium, FFmpeg) in the fake jitsi-meet on a real Prosody, with short auto-stop times.
 */
@Tag("media")
class MeetingEndTest {

    private static final Duration CHECK = Duration.ofSeconds(1);
    private static final Duration EMPTY_FOR = Duration.ofSeconds(4);

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void theRecordingStopsOnItsOwnOnceTheRoomIsEmpty() throws Exception {
        List<SlotEvent> events = new CopyOnWriteArrayList<>();
        try (ProsodyServer prosody = ProsodyServer.start(temp.resolve("prosody"));
                PageServer pages = PageServer.start();
                Slot slot = new Slot("slot-1", SlotConfig.defaults().withWorkDirectory(temp.resolve("work")))) {
            URI meeting = URI.create(pages.fakeJitsiMeet(prosody.websocketUrl()) + "/standup");
            JitsiMeetPage page = new JitsiMeetPage(meeting, Optional.of(new CallLogin(ProsodyServer.RECORDER_DOMAIN,
                    ProsodyServer.RECORDER_USER, ProsodyServer.RECORDER_PASSWORD, false)), LoginDelivery.URL_HASH,
                    Map.of("session_id", "s-1", "mode", "file"), Optional.empty(), "jibri", Duration.ofSeconds(15));
            RecordingRequest request = RecordingRequest.of(RecordingId.of("meeting-end"), page,
                            temp.resolve("recordings/meeting-end"))
                    .withMaxDuration(Duration.ofSeconds(60))
                    .withAutoStop(new AutoStop(CHECK, EMPTY_FOR, Duration.ofMinutes(10), Duration.ofMinutes(3)));

            Recording recording;
            long left;
            try (MeetingGuest bob = MeetingGuest.join(prosody, "standup", "Bob", true)) {
                recording = slot.record(request, events::add);
                await("the participants seen").atMost(Duration.ofSeconds(40)).pollDelay(Duration.ZERO)
                        .pollInterval(Duration.ofMillis(100))
                        .failFast(() -> assertThat(events).as("the recording failed")
                                .noneMatch(SlotEvent.Failed.class::isInstance))
                        .until(() -> events.stream().anyMatch(SlotEvent.ParticipantsSeen.class::isInstance));
                assertThat(events).as("the recording is on").anyMatch(SlotEvent.FirstFrameWritten.class::isInstance);
                Thread.sleep(1500);
                bob.leave();
                left = System.nanoTime();
            }

            SlotEvent.Outcome outcome = recording.outcome().get(30, TimeUnit.SECONDS);
            Duration afterLeaving = Duration.ofNanos(System.nanoTime() - left);
            System.out.println("stopped " + afterLeaving.toMillis() + " ms after the last participant left: " + outcome);

            assertThat(outcome).isInstanceOfSatisfying(SlotEvent.Stopped.class, stopped -> {
                assertThat(stopped.cause()).isEqualTo(StopCause.ROOM_EMPTY);
                assertThat(stopped.file()).isPresent();
            });
            assertThat(afterLeaving).as("empty for %s, checked every %s", EMPTY_FOR, CHECK)
                    .isBetween(EMPTY_FOR, EMPTY_FOR.plus(CHECK).plusSeconds(4));
            List<Participant> seen = events.stream().filter(SlotEvent.ParticipantsSeen.class::isInstance)
                    .map(e -> ((SlotEvent.ParticipantsSeen) e).everyoneSeen()).reduce((a, b) -> b).orElseThrow();
            assertThat(seen).extracting(Participant::displayName).containsExactly("Bob");
            assertThat(slot.state()).as("the slot is ready for the next meeting").isInstanceOf(SlotState.Idle.class);
        }
    }
}
