package dev.capstan.scheduler.api;

/** As many event streams are open as allowed: a 503; trying again later may work. */
class TooManyEventStreamsException extends RuntimeException {

    TooManyEventStreamsException(int limit) {
        super("this server already serves " + limit + " event streams (capstan.control.max-event-streams); "
                + "poll /status instead or try again later");
    }
}
