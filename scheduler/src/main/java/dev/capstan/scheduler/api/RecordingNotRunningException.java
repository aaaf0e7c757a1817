package dev.capstan.scheduler.api;

import dev.capstan.scheduler.api.problem.ApiProblem;

/** No recording runs on this node under this id (it never did, or it has ended): a 404. */
final class RecordingNotRunningException extends ApiException {

    RecordingNotRunningException(String message) {
        super(ApiProblem.RECORDING_NOT_RUNNING, message);
    }
}
