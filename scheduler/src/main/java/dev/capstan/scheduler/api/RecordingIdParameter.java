package dev.capstan.scheduler.api;

import dev.capstan.scheduler.api.problem.ApiProblem;
import dev.capstan.storage.archive.RecordingId;

/** A recording id as a path or query parameter: one that no recording can have is the caller's error, a 400. */
final class RecordingIdParameter {

    private RecordingIdParameter() {
    }

    static RecordingId parse(String value) {
        try {
            return RecordingId.of(value);
        } catch (IllegalArgumentException malformed) {
            throw new ApiException(ApiProblem.INVALID_ID,
                    "invalid recording id: use 1-64 letters, digits, '-' or '_', starting with a letter or digit");
        }
    }
}
