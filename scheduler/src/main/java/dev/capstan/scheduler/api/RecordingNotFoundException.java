package dev.capstan.scheduler.api;

import dev.capstan.scheduler.api.problem.ApiProblem;
import dev.capstan.storage.archive.RecordingId;

/** The catalog has no recording (or no such part of one) under this id: a 404. */
final class RecordingNotFoundException extends ApiException {

    private RecordingNotFoundException(String message) {
        super(ApiProblem.RECORDING_NOT_FOUND, message);
    }

    static RecordingNotFoundException recording(RecordingId id) {
        return new RecordingNotFoundException("recording " + id + " does not exist");
    }

    /** The recording exists but lacks {@code what} (its media, its thumbnail). */
    static RecordingNotFoundException part(RecordingId id, String what) {
        return new RecordingNotFoundException("recording " + id + " has no " + what);
    }
}
