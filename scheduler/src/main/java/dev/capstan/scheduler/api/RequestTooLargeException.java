package dev.capstan.scheduler.api;

/** A request body over the limit: a 413. */
class RequestTooLargeException extends RuntimeException {

    RequestTooLargeException(int limitBytes) {
        super("the request body is larger than " + limitBytes / 1024 + " KiB");
    }
}
