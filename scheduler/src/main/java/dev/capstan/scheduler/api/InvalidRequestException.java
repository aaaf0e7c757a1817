package dev.capstan.scheduler.api;

import java.util.List;

/**
 * A request body that cannot be taken as it is: not JSON, or fields missing or wrong. A 400 whose problem lists
 * each field with what is wrong with it ({@code errors}). Messages never repeat a stream address unmasked.
 */
class InvalidRequestException extends RuntimeException {

    /**
     * @param field   as the caller wrote it: {@code url}, {@code streams[1]}
     * @param message what is wrong, safe to show
     */
    record FieldError(String field, String message) {
    }

    private final List<FieldError> errors;

    InvalidRequestException(String message) {
        super(message);
        this.errors = List.of();
    }

    InvalidRequestException(List<FieldError> errors) {
        super(summary(errors));
        this.errors = List.copyOf(errors);
    }

    List<FieldError> errors() {
        return errors;
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
