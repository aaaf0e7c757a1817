package dev.capstan.scheduler.api;

/** No recording runs on this node under this id (it never did, or it has ended): a 404. */
class RecordingNotRunningException extends RuntimeException {

    RecordingNotRunningException(String message) {
        super(message);
    }
}
