package dev.capstan.scheduler.session;

import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.slot.PauseRefusedException;
import dev.capstan.recorder.slot.SlotEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A session as it runs on its recorder, here or on another host: stop it, pause and resume it, or change where it
 * streams.
 */
public interface RunningSession {

    Session session();

    /**
     * Asks the recorder to stop; the session moves to {@code stopping} at once.
     *
     * @return completes once the recorder has taken the stop (here: once the recording has ended)
     */
    CompletableFuture<Void> stop();

    /**
     * Pauses it: nothing is recorded until {@link #resume}, the slot staying held; it ends if not resumed within
     * {@code capstan.recording.max-pause}. Returns once the capture has stopped; the session is {@code paused} then.
     *
     * @throws PauseRefusedException when it keeps no file, streams live, keeps speaker tracks, is paused already or
     *                               is not capturing (or its node cannot be reached)
     */
    SlotEvent.Paused pause() throws PauseRefusedException;

    /**
     * Resumes it into the same file. Returns once the capture's first frame is grabbed; the session is {@code on}.
     *
     * @throws PauseRefusedException when it is not paused, or not capturing
     */
    SlotEvent.Resumed resume() throws PauseRefusedException;

    /** Its live destinations now, addresses masked. */
    List<StreamStats> streams() throws StreamChangeRefusedException;

    /**
     * @throws StreamChangeRefusedException when it has no live output, is not capturing, already streams there,
     *                                      feeds as many destinations as allowed, or its node cannot be reached
     */
    StreamStats addStream(StreamUrl url) throws StreamChangeRefusedException;

    /** @return false when it has no such destination */
    boolean removeStream(String streamId) throws StreamChangeRefusedException;
}
