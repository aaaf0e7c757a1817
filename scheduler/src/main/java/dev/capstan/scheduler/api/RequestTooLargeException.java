package dev.capstan.scheduler.api;

import dev.capstan.scheduler.api.problem.ApiProblem;

/** A request body over the limit: a 413. */
final class RequestTooLargeException extends ApiException {

    RequestTooLargeException(int limitBytes) {
        super(ApiProblem.REQUEST_TOO_LARGE, "the request body is larger than " + limitBytes / 1024 + " KiB");
    }
}
