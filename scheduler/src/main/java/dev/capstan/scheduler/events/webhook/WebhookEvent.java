package dev.capstan.scheduler.events.webhook;

import dev.capstan.scheduler.session.SessionChanged;
import dev.capstan.scheduler.session.SessionState;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** What a receiver hears about: the moments of a recording's life that someone outside acts on. */
public enum WebhookEvent {
    /** Filed: a slot has taken it. */
    STARTED("recording.started"),
    /** On the air: frames are being written (or a live destination takes the stream). */
    ON("recording.on"),
    /** Paused: nothing is recorded until it resumes; the slot stays held. */
    PAUSED("recording.paused"),
    /** On again after a pause, into the same file. */
    RESUMED("recording.resumed"),
    /** Capture has ended and the slot is free; the archive is completing the file. */
    STOPPED("recording.stopped"),
    /** The recording is in the archive. */
    READY("recording.ready"),
    /** It failed, with a reason and whether trying again elsewhere could help. */
    FAILED("recording.failed");

    private final String wireName;

    WebhookEvent(String wireName) {
        this.wireName = wireName;
    }

    /** As in the body's {@code type} and the {@code Capstan-Event} header. */
    public String wireName() {
        return wireName;
    }

    /** The event a session's filing or move makes, if any (other moves, such as to {@code stopping}, make none). */
    public static Optional<WebhookEvent> of(SessionChanged change) {
        if (change.previous().isEmpty()) {
            return Optional.of(STARTED);
        }
        SessionState state = change.state();
        if (state instanceof SessionState.Paused) {
            return Optional.of(PAUSED);
        }
        if (state instanceof SessionState.On) {
            return Optional.of(change.previous().get() instanceof SessionState.Paused ? RESUMED : ON);
        }
        if (state instanceof SessionState.Finalizing) {
            return Optional.of(STOPPED);
        }
        if (state instanceof SessionState.Done) {
            return Optional.of(READY);
        }
        if (state instanceof SessionState.Failed) {
            return Optional.of(FAILED);
        }
        return Optional.empty();
    }

    public static Optional<WebhookEvent> named(String wireName) {
        return Arrays.stream(values()).filter(event -> event.wireName.equals(wireName)).findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(WebhookEvent::wireName).toList();
    }
}
