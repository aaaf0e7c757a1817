package dev.capstan.scheduler.session;

import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.recording.Recordings;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;

/**
 * Moves a session through its life on its recording's events, the same way whoever started it (Jicofo, Jibri's
 * HTTP API, REST): {@code pending → on} when it is really on the air, {@code finalizing} (or {@code failed}) at
 * the recorder's outcome, and {@code done} once the recording has settled in the archive.
 *
 * <p>Two halves, because the recording's listener is given when it starts and the outcome is followed once the
 * starter has filed the session: {@link #onAir} before {@link Recordings#start}, {@link #follow} after.
 */
@Component
public class SessionFollower {

    private final Sessions sessions;
    private final Recordings recordings;

    public SessionFollower(Sessions sessions, Recordings recordings) {
        this.sessions = sessions;
        this.recordings = recordings;
    }

    /**
     * The listener that puts the session {@code on}: at the first written frame when it records a file, or, for
     * a live stream that keeps no file, when a destination first takes the stream.
     *
     * @param recordsFile whether the recording keeps a file ({@link Recordings.Plan#recordsFile()})
     * @param onAir       runs once, right after the session has moved to {@code on}
     */
    public Consumer<SlotEvent> onAir(Session session, boolean recordsFile, Runnable onAir) {
        return event -> {
            boolean on = recordsFile ? event instanceof SlotEvent.FirstFrameWritten
                    : event instanceof SlotEvent.StreamChanged changed && changed.stream().connected();
            if (on && sessions.moveTo(session, new SessionState.On(Instant.now()))) {
                onAir.run();
            }
        };
    }

    /**
     * Follows a recording to its end: the session finalizes (or fails), {@code onEnd} hears the outcome, and the
     * session is done once the archive has the recording (failed if the archive could not settle it). Attach it
     * once the session is filed: an outcome that came before is still reported.
     */
    public void follow(Session session, CompletableFuture<Recording> recording, Consumer<SlotEvent.Outcome> onEnd) {
        recording.thenCompose(Recording::outcome).thenAccept(outcome -> {
            sessions.moveTo(session, outcome instanceof SlotEvent.Failed failed
                    ? new SessionState.Failed(Instant.now(), failed.failure().toString(),
                            !failed.failure().reason().isCallersFault())
                    : new SessionState.Finalizing(Instant.now(), ((SlotEvent.Stopped) outcome).cause().toString()));
            onEnd.accept(outcome);
            recordings.settled(session.recordingId()).whenComplete((entry, error) ->
                    sessions.moveTo(session, error == null ? new SessionState.Done(Instant.now())
                            : new SessionState.Failed(Instant.now(), "archive: " + error.getMessage(), false)));
        });
    }
}
