package dev.capstan.scheduler.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.slot.PauseRefusedException;
import dev.capstan.scheduler.plan.Mode;
import dev.capstan.storage.archive.RecordingId;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which pauses and resumes are refused at once, by the session's mode and state, and with which reason. */
class PausingTest {

    private static final Instant T = Instant.parse("2026-12-07T14:00:00Z");
    private static final SessionState ON = new SessionState.On(T);
    private static final SessionState PAUSED = new SessionState.Paused(T, Duration.ofSeconds(7));

    @Test
    void aFileRecordingThatIsOnMayPauseAndOnlyAPausedOneMayResume() {
        assertThat(Pausing.refusePause(session(Mode.FILE, ON))).isEmpty();
        assertThat(Pausing.refusePause(session(Mode.AUDIO, ON))).isEmpty();
        assertThat(Pausing.refuseResume(session(Mode.FILE, PAUSED))).isEmpty();
    }

    @Test
    void pausingTwiceIsRefusedAsAlreadyPaused() {
        assertThat(reason(Pausing.refusePause(session(Mode.FILE, PAUSED)))).isEqualTo("already-paused");
    }

    @Test
    void resumingWhatIsNotPausedIsRefusedAsNotPaused() {
        assertThat(reason(Pausing.refuseResume(session(Mode.FILE, ON)))).isEqualTo("not-paused");
        assertThat(reason(Pausing.refuseResume(session(Mode.FILE, new SessionState.Pending(T)))))
                .isEqualTo("not-paused");
        assertThat(reason(Pausing.refuseResume(session(Mode.FILE, new SessionState.Stopping(T)))))
                .isEqualTo("not-capturing");
    }

    @Test
    void aLiveStreamCannotPauseWithOrWithoutAFile() {
        assertThat(reason(Pausing.refusePause(session(Mode.STREAM, ON)))).isEqualTo("no-file");
        assertThat(reason(Pausing.refusePause(session(Mode.BOTH, ON)))).isEqualTo("streaming");
    }

    @Test
    void whatIsNotCapturingCannotPause() {
        for (SessionState state : new SessionState[] {new SessionState.Pending(T), new SessionState.Stopping(T),
                new SessionState.Finalizing(T, "requested"), new SessionState.Done(T)}) {
            assertThat(reason(Pausing.refusePause(session(Mode.FILE, state)))).as(state.name())
                    .isEqualTo("not-capturing");
        }
    }

    private static Session session(Mode mode, SessionState state) {
        return new Session(RecordingId.generate(), "rest", Optional.empty(), mode, "https://meet.example.com/room",
                Map.of(), T, state, Session.LOCAL, "");
    }

    private static String reason(Optional<PauseRefusedException> refused) {
        assertThat(refused).isPresent();
        return refused.get().reason().wireName();
    }
}
