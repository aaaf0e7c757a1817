package dev.capstan.scheduler.api;

import dev.capstan.scheduler.api.problem.ApiProblem;
import org.springframework.http.ProblemDetail;

/**
 * What a controller throws to refuse a request: one {@link ApiProblem} of the catalogue with a detail written for
 * the caller. Only these (and Spring MVC's own refusals) reach a client as themselves; anything else is a 500.
 */
class ApiException extends RuntimeException {

    private final ApiProblem problem;

    ApiException(ApiProblem problem, String detail) {
        super(detail);
        this.problem = problem;
    }

    final ApiProblem problem() {
        return problem;
    }

    /** The answer's body; a kind of problem with more to say (its fields, the node's reason) adds it here. */
    ProblemDetail answer() {
        return problem.answer(getMessage());
    }
}
