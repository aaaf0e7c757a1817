package dev.capstan.scheduler.api;

import dev.capstan.scheduler.api.problem.ApiProblem;
import org.springframework.beans.TypeMismatchException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * What Spring MVC refuses by itself, before or around a controller (a wrong method or content type, a path nothing
 * answers, a parameter of the wrong type): its usual problem answer, with the catalogue's {@code code}. For every
 * handler, so that it stands in for Spring Boot's own problem-details advice; a controller's own handlers (Jibri's
 * HTTP API has some) still come first.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
@RestControllerAdvice
class FrameworkProblems extends ResponseEntityExceptionHandler {

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException e, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        String expected = e.getRequiredType() == null ? "a valid value" : "a " + e.getRequiredType().getSimpleName();
        String value = e.getValue() == null ? "''" : ApiErrors.quote(e.getValue().toString());
        return handleExceptionInternal(e, ApiProblem.INVALID_PARAMETER.answer("parameter '" + e.getPropertyName()
                + "' must be " + expected + ", not " + value), headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception e, Object body, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        ResponseEntity<Object> answer = super.handleExceptionInternal(e, body, headers, status, request);
        if (answer != null && answer.getBody() instanceof ProblemDetail problem
                && (problem.getProperties() == null || !problem.getProperties().containsKey("code"))) {
            ApiProblem.ofFrameworkStatus(status).ifPresent(kind -> problem.setProperty("code", kind.code()));
        }
        return answer;
    }
}
