package dev.capstan.scheduler.session;

import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.live.StreamUrl;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A session as it runs on its recorder, here or on another host: stop it, or change where it streams. */
public interface RunningSession {

    Session session();

    /**
     * Asks the recorder to stop; the session moves to {@code stopping} at once.
     *
     * @return completes once the recorder has taken the stop (here: once the recording has ended)
     */
    CompletableFuture<Void> stop();

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
