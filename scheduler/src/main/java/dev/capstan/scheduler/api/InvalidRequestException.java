package dev.capstan.scheduler.api;

import dev.capstan.scheduler.api.problem.ApiProblem;
import java.util.List;
import org.springframework.http.ProblemDetail;

/**
 * A request body that cannot be taken as it is: not JSON, or fields missing or wrong. A 400 whose problem lists
 * each field with what is wrong with it ({@code errors}). Messages never repeat a stream address unmasked.
 */
final class InvalidRequestException extends ApiException {

    /**
     * @param field   as the caller wrote it: {@code url}, {@code streams[1]}
     * @param message what is wrong, safe to show
     */
    record FieldError(String field, String message) {
    }

    private final List<FieldError> errors;

    InvalidRequestException(String message) {
        super(ApiProblem.INVALID_REQUEST, message);
        this.errors = List.of();
    }

    InvalidRequestException(List<FieldError> errors) {
        super(ApiProblem.INVALID_REQUEST, summary(errors));
        this.errors = List.copyOf(errors);
    }

    List<FieldError> errors() {
        return errors;
    }

    /** Every wrong field with what is wrong with it, in {@code errors}: {@code [{"field": ..., "message": ...}]}. */
    @Override
    ProblemDetail answer() {
        ProblemDetail problem = super.answer();
        if (!errors.isEmpty()) {
            problem.setProperty("errors", errors);
        }
        return problem;
    }

    private static String summary(List<FieldError> errors) {
        if (errors.isEmpty()) {
            return "the request is invalid";
        }
        FieldError first = errors.get(0);
        String more = errors.size() == 1 ? "" : " (and " + (errors.size() - 1) + " more: see errors)";
        return first.field() + ": " + first.message() + more;
    }
}
