package dev.capstan.recorder.slot;

import dev.capstan.recorder.browser.RoomState;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides from successive looks at the meeting whether a recording should go on. Each condition must hold
 * continuously: one look that contradicts it starts its clock again. The checks go in Jibri's order: the
 * recorder out of the conference, the room empty, then everyone muted or no media.
 */
public final class RoomWatch {

    private final AutoStop limits;
    /** The stopping condition that has held since {@link #holdingSince}, if any; at most one holds at a time. */
    private StopCause holding;
    private Instant holdingSince;
    /** Jibri assumes media at the start, so a recording gets the whole no-media time before it fails. */
    private Instant lastMedia;

    public RoomWatch(AutoStop limits, Instant start) {
        this.limits = Objects.requireNonNull(limits, "limits");
        this.lastMedia = Objects.requireNonNull(start, "start");
    }

    /** What to do after this look. */
    public sealed interface Verdict {
    }

    /** Go on recording. */
    public record Continue() implements Verdict {
    }

    /** End the recording cleanly. */
    public record Stop(StopCause cause, String reason) implements Verdict {
    }

    /** End the recording as failed. */
    public record Fail(Failure failure) implements Verdict {
    }

    private static final Continue CONTINUE = new Continue();

    public Verdict observe(RoomState room, Instant at) {
        if (!room.joined()) {
            return holds(StopCause.LEFT_MEETING, at, outOfMeetingLimit(), "out of the meeting for ");
        }
        if (room.empty()) {
            return holds(StopCause.ROOM_EMPTY, at, limits.emptyFor(), "room empty for ");
        }
        if (room.allMuted()) {
            return holds(StopCause.ALL_MUTED, at, limits.allMutedFor(), "everyone muted for ");
        }
        holding = null;
        if (!room.knowsBitrate() || room.downloadKbps() > 0) {
            lastMedia = at;
            return CONTINUE;
        }
        return exceeded(lastMedia, at, limits.noMediaFor())
                .<Verdict>map(silent -> new Fail(new Failure(Failure.Reason.NO_MEDIA, "nothing received for "
                        + seconds(silent) + " with " + room.participants().size() + " unmuted participant(s)")))
                .orElse(CONTINUE);
    }

    /** {@code cause}'s condition holds: its clock starts unless it runs already; stop once it reached the limit. */
    private Verdict holds(StopCause cause, Instant at, Duration limit, String description) {
        if (holding != cause) {
            holding = cause;
            holdingSince = at;
        }
        // Out of the meeting, nobody there or everyone muted: nothing to receive, so once that ends media gets the
        // full no-media time to arrive.
        lastMedia = at;
        return exceeded(holdingSince, at, limit)
                .<Verdict>map(held -> new Stop(cause, description + seconds(held)))
                .orElse(CONTINUE);
    }

    /**
     * A signalling outage (Prosody restarting, say) takes the page out of the meeting until jitsi-meet reconnects;
     * the recording outlives it. Only a page out for longer than this, and than the empty-room time, is done.
     */
    static final Duration SIGNALLING_OUTAGE_GRACE = Duration.ofMinutes(2);

    private Duration outOfMeetingLimit() {
        Duration empty = limits.emptyFor();
        if (empty.isZero() || empty.isNegative()) {
            return empty;
        }
        return empty.compareTo(SIGNALLING_OUTAGE_GRACE) > 0 ? empty : SIGNALLING_OUTAGE_GRACE;
    }

    /** How long the condition has held, if that is at least the limit; a zero limit never is. */
    private static Optional<Duration> exceeded(Instant since, Instant at, Duration limit) {
        Duration held = Duration.between(since, at);
        return limit.isZero() || limit.isNegative() || held.compareTo(limit) < 0 ? Optional.empty() : Optional.of(held);
    }

    private static String seconds(Duration duration) {
        return duration.toSeconds() + " s";
    }
}
