package dev.capstan.scheduler.events.webhook;

import dev.capstan.scheduler.api.problem.ApiProblem;
import dev.capstan.storage.archive.RecordingId;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.List;
import java.util.Optional;
import org.springframework.http.ResponseEntity;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /api/v1/webhooks/deliveries?recording=&state=&limit=}: the delivery log, newest first: what was sent to
 * whom, how many attempts it took, and what the receiver last answered. Subscribers are shown without user info or
 * query; secrets never.
 */
@RestController
@RequestMapping("/api/v1/webhooks")
@Tag(name = "webhooks", description = "what was sent to webhook receivers, and how it went")
class WebhookDeliveriesController {

    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;

    private final DeliveryLog deliveries;

    WebhookDeliveriesController(DeliveryLog deliveries) {
        this.deliveries = deliveries;
    }

    record Deliveries(List<LoggedDelivery> items) {
    }

    @GetMapping("/deliveries")
    @Operation(summary = "the webhook delivery log, newest first: one entry per event and receiver, with its attempts,"
            + " the receiver's last status or error, and the next attempt while pending", responses = {
                    @ApiResponse(responseCode = "200", content = @Content(
                            schema = @Schema(implementation = Deliveries.class))),
                    @ApiResponse(responseCode = "400", description = "an unknown state, a bad limit or recording id")})
    Deliveries deliveries(
            @Parameter(description = "only this recording's deliveries") @RequestParam Optional<String> recording,
            @Parameter(description = "pending, delivered or given-up") @RequestParam Optional<String> state,
            @Parameter(description = "at most this many, 1 to 500 (default 50)") @RequestParam Optional<String> limit) {
        Optional<String> recordingId = recording.map(id -> RecordingId.of(id).value());
        Optional<DeliveryState> inState = state.map(name -> DeliveryState.named(name).orElseThrow(() ->
                new IllegalArgumentException("state must be pending, delivered or given-up, not " + quote(name))));
        return new Deliveries(deliveries.list(recordingId, inState, limit.map(WebhookDeliveriesController::limit)
                .orElse(DEFAULT_LIMIT)));
    }

    private static int limit(String value) {
        try {
            int limit = Integer.parseInt(value.trim());
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // Answered below, like a number out of range.
        }
        throw new IllegalArgumentException("limit must be a whole number from 1 to " + MAX_LIMIT + ", not "
                + quote(value));
    }

    /** Echoes a caller's value, bounded and without control characters. */
    private static String quote(String value) {
        String shown = value.length() > 80 ? value.substring(0, 80) + "…" : value;
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    /** Only this controller's own checks and {@link RecordingId}'s throw it here; their messages are for callers. */
    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<ProblemDetail> badRequest(IllegalArgumentException e) {
        return ResponseEntity.status(ApiProblem.INVALID_PARAMETER.status())
                .body(ApiProblem.INVALID_PARAMETER.answer(e.getMessage()));
    }
}
