package dev.capstan.scheduler.api;

import dev.capstan.scheduler.api.problem.ApiProblem;
import dev.capstan.storage.blob.BlobStoreException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Every API error is a small JSON problem ({@code application/problem+json}) of the {@link ApiProblem} catalogue:
 * what the controllers refuse ({@link ApiException}), the store being away, and a 500 with a generic detail for
 * anything else. Stack traces and internal messages stay in the log.
 *
 * <p>Right after {@link FrameworkProblems}, so that no library's advice answers for the API.
 */
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
@RestControllerAdvice(basePackageClasses = ApiErrors.class)
class ApiErrors {

    private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

    /** Echoes a caller's value into a message, bounded so an oversized parameter cannot bloat the answer. */
    static String quote(String value) {
        String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> refused(ApiException e) {
        return answer(e.problem(), e.answer());
    }

    @ExceptionHandler(BlobStoreException.class)
    ResponseEntity<ProblemDetail> storeUnavailable(BlobStoreException e) {
        log.warn("the store failed while answering a request: {}", e.getMessage());
        return answer(ApiProblem.STORE_UNAVAILABLE, ApiProblem.STORE_UNAVAILABLE.answer(
                "the recording store cannot be reached right now; try again later"));
    }

    /**
     * Anything else (Spring MVC's own refusals are {@link FrameworkProblems}') is a bug or an outage: a 500 that
     * says only where to look in the log.
     */
    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletRequest request, HttpServletResponse response) {
        if (response.isCommitted()) {
            // The answer had begun (a download, an event stream): nothing more can be said to the client.
            log.warn("{} {} failed after its answer began: {}", request.getMethod(), request.getRequestURI(),
                    e.toString());
            return null;
        }
        String incident = UUID.randomUUID().toString();
        log.error("{} {} failed (incident {})", request.getMethod(), request.getRequestURI(), incident, e);
        ProblemDetail problem = ApiProblem.INTERNAL_ERROR.answer("the server could not answer this request; "
                + "its log says why under incident " + incident);
        problem.setProperty("incident", incident);
        return answer(ApiProblem.INTERNAL_ERROR, problem);
    }

    private static ResponseEntity<ProblemDetail> answer(ApiProblem kind, ProblemDetail problem) {
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(kind.status())
                .contentType(MediaType.APPLICATION_PROBLEM_JSON);
        kind.retryAfter().ifPresent(after -> answer.header(HttpHeaders.RETRY_AFTER, Long.toString(after.toSeconds())));
        return answer.body(problem);
    }
}
