package dev.capstan.scheduler.api;

import dev.capstan.storage.archive.RecordingId;

/** The catalog has no recording (or no such part of one) under this id: a 404. */
class RecordingNotFoundException extends RuntimeException {

    RecordingNotFoundException(RecordingId id, String what) {
        super("recording " + id + (what.isEmpty() ? "" : " has no " + what) + (what.isEmpty() ? " does not exist" : ""));
    }
}
