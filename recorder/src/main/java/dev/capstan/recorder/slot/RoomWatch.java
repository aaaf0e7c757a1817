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
    private Instant outSince;
    private Instant emptySince;
    private Instant allMutedSince;
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
            outSince = since(outSince, at);
            emptySince = null;
            allMutedSince = null;
            lastMedia = at;
            return exceeded(outSince, at, outOfMeetingLimit())
                    .<Verdict>map(out -> new Stop(StopCause.LEFT_MEETING, "out of the meeting for " + seconds(out)))
                    .orElse(CONTINUE);
        }
        outSince = null;
        if (room.empty()) {
            emptySince = since(emptySince, at);
            allMutedSince = null;
            // Nobody there, so nothing to receive: the no-media clock starts afresh when someone comes.
            lastMedia = at;
            return exceeded(emptySince, at, limits.emptyFor())
                    .<Verdict>map(empty -> new Stop(StopCause.ROOM_EMPTY, "room empty for " + seconds(empty)))
                    .orElse(CONTINUE);
        }
        emptySince = null;
        if (room.allMuted()) {
            allMutedSince = since(allMutedSince, at);
            // Muted participants send nothing; once they unmute media gets the full no-media time to arrive.
            lastMedia = at;
            return exceeded(allMutedSince, at, limits.allMutedFor())
                    .<Verdict>map(muted -> new Stop(StopCause.ALL_MUTED, "everyone muted for " + seconds(muted)))
                    .orElse(CONTINUE);
        }
        allMutedSince = null;
        if (!room.knowsBitrate() || room.downloadKbps() > 0) {
            lastMedia = at;
            return CONTINUE;
        }
        return exceeded(lastMedia, at, limits.noMediaFor())
                .<Verdict>map(silent -> new Fail(new Failure(Failure.Reason.NO_MEDIA, "nothing received for "
                        + seconds(silent) + " with " + room.participants().size() + " unmuted participant(s)")))
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

    private static Instant since(Instant already, Instant at) {
        return already == null ? at : already;
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
