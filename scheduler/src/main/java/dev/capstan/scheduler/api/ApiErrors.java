package dev.capstan.scheduler.api;

import dev.capstan.storage.blob.BlobStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Every API error is a small JSON problem ({@code application/problem+json}) that says what was wrong with the
 * request. Stack traces and internal messages stay in the log.
 */
@RestControllerAdvice(basePackageClasses = ApiErrors.class)
class ApiErrors {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    /** Echoes a caller's value into a message, bounded so an oversized parameter cannot bloat the answer. */
    static String quote(String value) {
        String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    @ExceptionHandler(RecordingNotFoundException.class)
    ProblemDetail notFound(RecordingNotFoundException e) {
        return problem(HttpStatus.NOT_FOUND, e.getMessage());
    }

    @ExceptionHandler(RecordingNotRunningException.class)
    ProblemDetail notRunning(RecordingNotRunningException e) {
        return problem(HttpStatus.NOT_FOUND, e.getMessage());
    }

    /** Every wrong field with what is wrong with it, in {@code errors}: {@code [{"field": ..., "message": ...}]}. */
    @ExceptionHandler(InvalidRequestException.class)
    ProblemDetail invalidRequest(InvalidRequestException e) {
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, e.getMessage());
        if (!e.errors().isEmpty()) {
            problem.setProperty("errors", e.errors());
        }
        return problem;
    }

    @ExceptionHandler(RequestTooLargeException.class)
    ProblemDetail tooLarge(RequestTooLargeException e) {
        return problem(HttpStatus.PAYLOAD_TOO_LARGE, e.getMessage());
    }

    /** Not queued: the caller decides whether and when to try again. */
    @ExceptionHandler(CannotStartException.class)
    ResponseEntity<ProblemDetail> cannotStart(CannotStartException e) {
        ProblemDetail problem = problem(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage());
        e.reason().ifPresent(reason -> problem.setProperty("busyReason", reason.name()));
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "10")
                .body(problem);
    }

    /** The event streams are all taken: polling {@code /status} still works. */
    @ExceptionHandler(TooManyEventStreamsException.class)
    ResponseEntity<ProblemDetail> tooManyStreams(TooManyEventStreamsException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).header(HttpHeaders.RETRY_AFTER, "10")
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem(HttpStatus.SERVICE_UNAVAILABLE, e.getMessage()));
    }

    @ExceptionHandler(IdempotencyConflictException.class)
    ProblemDetail idempotencyConflict(IdempotencyConflictException e) {
        return problem(HttpStatus.UNPROCESSABLE_ENTITY, e.getMessage());
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badRequest(IllegalArgumentException e) {
        return problem(HttpStatus.BAD_REQUEST, e.getMessage());
    }

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ProblemDetail badParameter(MethodArgumentTypeMismatchException e) {
        String expected = e.getRequiredType() == null ? "a valid value" : "a " + e.getRequiredType().getSimpleName();
        String value = e.getValue() == null ? "''" : quote(e.getValue().toString());
        return problem(HttpStatus.BAD_REQUEST, "parameter '" + e.getName() + "' must be " + expected + ", not " + value);
    }

    @ExceptionHandler(IllegalStateException.class)
    ProblemDetail conflict(IllegalStateException e) {
        return problem(HttpStatus.CONFLICT, e.getMessage());
    }

    @ExceptionHandler(BlobStoreException.class)
    ProblemDetail storeUnavailable(BlobStoreException e) {
        log.warn("the store failed while answering a request: {}", e.getMessage());
        return problem(HttpStatus.SERVICE_UNAVAILABLE, "the recording store cannot be reached right now; try again later");
    }

    private static ProblemDetail problem(HttpStatus status, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(status.getReasonPhrase());
        return problem;
    }
}
