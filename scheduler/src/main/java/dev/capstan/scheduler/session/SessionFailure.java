package dev.capstan.scheduler.session;

import dev.capstan.recorder.slot.Failure;
import java.util.Objects;

/**
 * Why a session failed: the reason from a fixed vocabulary, what exactly happened, and whether another slot could
 * succeed where this one failed. Its {@link #text()} ({@code page-unreachable: http://… is unreachable}) is what the
 * API, webhooks and the session table show; {@link #read} takes such a text back.
 */
public record SessionFailure(FailureReason reason, String detail, boolean retryable) {

    private static final String SEPARATOR = ": ";

    public SessionFailure {
        Objects.requireNonNull(reason, "reason");
        detail = detail == null ? "" : detail;
    }

    /** The recorder's failure; only a wrong request (an unreachable page) is not worth another slot. */
    public static SessionFailure of(Failure failure) {
        return new SessionFailure(FailureReason.of(failure.reason()), failure.detail(),
                !failure.reason().isCallersFault());
    }

    /** The archive could not settle the recording: what was recorded is all there is, so no retry. */
    public static SessionFailure archive(String detail) {
        return new SessionFailure(FailureReason.ARCHIVE, detail, false);
    }

    public static SessionFailure other(String detail, boolean retryable) {
        return new SessionFailure(FailureReason.OTHER, detail, retryable);
    }

    /** The reason's wire name, a colon and the detail; the detail alone for {@link FailureReason#OTHER}. */
    public String text() {
        return reason == FailureReason.OTHER ? detail : reason.wireName() + SEPARATOR + detail;
    }

    /**
     * A failure from its {@link #text()}, as a stored row or a node's report has it (the recorder's
     * {@link Failure#toString()} writes the same form). A text that does not begin with a wire name and a colon is
     * {@link FailureReason#OTHER}, whole.
     */
    public static SessionFailure read(String text, boolean retryable) {
        String whole = text == null ? "" : text;
        for (FailureReason reason : FailureReason.values()) {
            String prefix = reason.wireName() + SEPARATOR;
            if (reason != FailureReason.OTHER && whole.startsWith(prefix)) {
                return new SessionFailure(reason, whole.substring(prefix.length()), retryable);
            }
        }
        return other(whole, retryable);
    }

    @Override
    public String toString() {
        return text();
    }
}
