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
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;

/**
 * Every API error is a small JSON problem ({@code application/problem+json}) of the {@link ApiProblem} catalogue:
 * what the controllers refuse ({@link ApiException}), what Spring MVC refuses by itself (a wrong method or content
 * type), and a 500 with a generic detail for anything else. Stack traces and internal messages stay in the log.
 *
 * <p>First among the advices, so that the API's answers do not depend on which other advice a library registers.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
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

    @ExceptionHandler(MethodArgumentTypeMismatchException.class)
    ResponseEntity<ProblemDetail> badParameter(MethodArgumentTypeMismatchException e) {
        String expected = e.getRequiredType() == null ? "a valid value" : "a " + e.getRequiredType().getSimpleName();
        String value = e.getValue() == null ? "''" : quote(e.getValue().toString());
        return answer(ApiProblem.INVALID_PARAMETER, ApiProblem.INVALID_PARAMETER.answer(
                "parameter '" + e.getName() + "' must be " + expected + ", not " + value));
    }

    @ExceptionHandler(BlobStoreException.class)
    ResponseEntity<ProblemDetail> storeUnavailable(BlobStoreException e) {
        log.warn("the store failed while answering a request: {}", e.getMessage());
        return answer(ApiProblem.STORE_UNAVAILABLE, ApiProblem.STORE_UNAVAILABLE.answer(
                "the recording store cannot be reached right now; try again later"));
    }

    /**
     * Spring MVC's own refusals keep their status and detail, with the catalogue's code; anything else is a bug
     * or an outage: a 500 that says only where to look in the log.
     */
    @ExceptionHandler(Exception.class)
    ResponseEntity<ProblemDetail> unexpected(Exception e, HttpServletRequest request, HttpServletResponse response) {
        if (e instanceof AsyncRequestNotUsableException || response.isCommitted()) {
            // The client went away, or the answer had begun: nothing more can be said to it.
            log.debug("{} {}: the answer was cut short: {}", request.getMethod(), request.getRequestURI(), e.toString());
            return null;
        }
        if (e instanceof ErrorResponse refusal) {
            ProblemDetail body = refusal.getBody();
            ApiProblem.ofFrameworkStatus(refusal.getStatusCode()).ifPresent(p -> body.setProperty("code", p.code()));
            return ResponseEntity.status(refusal.getStatusCode()).headers(refusal.getHeaders())
                    .contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body);
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
