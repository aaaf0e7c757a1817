package dev.capstan.scheduler.api;

import dev.capstan.scheduler.api.problem.ApiProblem;
import java.util.Map;
import org.springframework.http.ProblemDetail;

/**
 * A live preview this host cannot serve: its recording ended and its segments are gone (with the finished file's
 * {@code media} address), or another node records it (with that {@code node}), or there is nothing to preview.
 */
final class PreviewUnavailableException extends ApiException {

    private final Map<String, String> properties;

    PreviewUnavailableException(ApiProblem problem, String detail, Map<String, String> properties) {
        super(problem, detail);
        this.properties = Map.copyOf(properties);
    }

    @Override
    ProblemDetail answer() {
        ProblemDetail answer = super.answer();
        properties.forEach(answer::setProperty);
        return answer;
    }
}
