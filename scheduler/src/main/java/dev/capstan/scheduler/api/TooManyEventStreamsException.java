package dev.capstan.scheduler.api;

import dev.capstan.scheduler.api.problem.ApiProblem;

/** As many event streams are open as allowed: a 503; trying again later may work. */
final class TooManyEventStreamsException extends ApiException {

    TooManyEventStreamsException(int limit) {
        super(ApiProblem.TOO_MANY_EVENT_STREAMS, "this server already serves " + limit + " event streams "
                + "(capstan.control.max-event-streams); "
                + "poll /status instead or try again later");
    }
}
