package dev.capstan.scheduler.api.problem;

import java.time.Duration;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/**
 * Every kind of error the API answers, each with its HTTP status and a stable {@code code} that clients may branch
 * on (sent in the problem as {@code code}; the names never change once published). A problem's {@code detail} is
 * always text written for the caller, never an exception's internal message.
 */
public enum ApiProblem {

    /** A request body that is not JSON, or fields missing or wrong: the problem lists them in {@code errors}. */
    INVALID_REQUEST("invalid-request", HttpStatus.BAD_REQUEST),
    /** A query parameter that cannot be taken: a status, date, page or size. */
    INVALID_PARAMETER("invalid-parameter", HttpStatus.BAD_REQUEST),
    /** A recording id that no recording can have, including paths with encoded slashes or dots. */
    INVALID_ID("invalid-id", HttpStatus.BAD_REQUEST),
    UNAUTHORIZED("unauthorized", HttpStatus.UNAUTHORIZED),
    /** The catalog has no such recording, or not the part of it asked for (its media, its thumbnail). */
    RECORDING_NOT_FOUND("recording-not-found", HttpStatus.NOT_FOUND),
    /** No recording runs on this node under this id (it never did, or it has ended). */
    RECORDING_NOT_RUNNING("recording-not-running", HttpStatus.NOT_FOUND),
    /** A recording has no live preview: it keeps no file, or has not written its first segment yet. */
    NO_PREVIEW("no-preview", HttpStatus.NOT_FOUND),
    /** A running recording has no live destination under this id. */
    STREAM_NOT_FOUND("stream-not-found", HttpStatus.NOT_FOUND),
    /** No handler answers this path or method at all. */
    NOT_FOUND("not-found", HttpStatus.NOT_FOUND),
    METHOD_NOT_ALLOWED("method-not-allowed", HttpStatus.METHOD_NOT_ALLOWED),
    NOT_ACCEPTABLE("not-acceptable", HttpStatus.NOT_ACCEPTABLE),
    /** A start repeated with an {@code Idempotency-Key} whose first start is still starting. */
    START_IN_PROGRESS("start-in-progress", HttpStatus.CONFLICT),
    /** A destination that cannot be added: no live output, not capturing, already there, or too many. */
    STREAM_CONFLICT("stream-conflict", HttpStatus.CONFLICT),
    /**
     * A pause or resume the recording refuses: its {@code reason} says why ({@code not-paused},
     * {@code already-paused}, {@code streaming}, {@code no-file}, {@code speaker-tracks}, {@code not-capturing}).
     */
    PAUSE_REFUSED("pause-refused", HttpStatus.CONFLICT),
    /** A recording (or one of its parts) that cannot be deleted because it is still being recorded. */
    STILL_RECORDING("still-recording", HttpStatus.CONFLICT),
    /** A live preview asked of a host that does not record it: only the node recording it has its segments. */
    PREVIEW_ELSEWHERE("preview-elsewhere", HttpStatus.CONFLICT),
    /** A live preview asked once its recording has ended and its segments are gone: its {@code media} plays. */
    PREVIEW_ENDED("preview-ended", HttpStatus.GONE),
    REQUEST_TOO_LARGE("request-too-large", HttpStatus.PAYLOAD_TOO_LARGE),
    UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", HttpStatus.UNSUPPORTED_MEDIA_TYPE),
    /** An {@code Idempotency-Key} used before with another body. */
    IDEMPOTENCY_KEY_REUSED("idempotency-key-reused", HttpStatus.UNPROCESSABLE_ENTITY),
    /** Anything the API did not expect: the cause is in the log under the problem's {@code incident}. */
    INTERNAL_ERROR("internal-error", HttpStatus.INTERNAL_SERVER_ERROR),
    /** A valid start that cannot start now (with {@code busyReason} when the node said why). */
    CANNOT_START("cannot-start", HttpStatus.SERVICE_UNAVAILABLE, Duration.ofSeconds(10)),
    TOO_MANY_EVENT_STREAMS("too-many-event-streams", HttpStatus.SERVICE_UNAVAILABLE, Duration.ofSeconds(10)),
    /** The recording store does not answer (a download, a delete). */
    STORE_UNAVAILABLE("store-unavailable", HttpStatus.SERVICE_UNAVAILABLE),
    /** The server cannot answer now for a reason of its own (an answer that timed out, say). */
    UNAVAILABLE("unavailable", HttpStatus.SERVICE_UNAVAILABLE);

    private final String code;
    private final HttpStatus status;
    private final Optional<Duration> retryAfter;

    ApiProblem(String code, HttpStatus status) {
        this(code, status, null);
    }

    ApiProblem(String code, HttpStatus status, Duration retryAfter) {
        this.code = code;
        this.status = status;
        this.retryAfter = Optional.ofNullable(retryAfter);
    }

    /** The stable name clients see in the problem's {@code code}. */
    public String code() {
        return code;
    }

    public HttpStatus status() {
        return status;
    }

    /** Sent as {@code Retry-After} when trying again later may work. */
    public Optional<Duration> retryAfter() {
        return retryAfter;
    }

    /** The answer: {@code status}, {@code title} (the status' reason phrase), {@code detail} and {@code code}. */
    public ProblemDetail answer(String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(status.getReasonPhrase());
        problem.setProperty("code", code);
        return problem;
    }

    /** The problem that stands for a status Spring MVC answers by itself (a wrong method, content type...). */
    public static Optional<ApiProblem> ofFrameworkStatus(HttpStatusCode status) {
        return Optional.ofNullable(switch (status.value()) {
            case 400 -> INVALID_REQUEST;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 406 -> NOT_ACCEPTABLE;
            case 413 -> REQUEST_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 500 -> INTERNAL_ERROR;
            case 503 -> UNAVAILABLE;
            default -> null;
        });
    }
}
