package dev.capstan.storage.spool;

import dev.capstan.storage.archive.RecordingId;

/** Hears when uploads finish. Called on the spool's threads; keep it short. */
public interface SpoolListener {

    /** The final object is complete in the store. May be called again for the same recording after a restart. */
    void completed(ArchivedMedia media);

    /** The upload cannot complete: its local files are unreadable. What reached the store is left there. */
    void failed(RecordingId id, String reason);
}
