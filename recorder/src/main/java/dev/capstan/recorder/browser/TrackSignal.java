package dev.capstan.recorder.browser;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** What the page tells of its tracks and participants. Times are the page's clock, which is this host's. */
public sealed interface TrackSignal {

    /**
     * A remote participant's sound began to be taken (their audio track got its first packets).
     *
     * @param trackKey    the track's id in the page, used by the {@link Data} and {@link Ended} that follow
     * @param participant who it belongs to
     * @param statsId     their statistics id, the same across their joins from one browser
     */
    record Started(String trackKey, Participant participant, Optional<String> statsId, Instant at)
            implements TrackSignal {

        public Started {
            Objects.requireNonNull(trackKey, "trackKey");
            Objects.requireNonNull(participant, "participant");
            Objects.requireNonNull(statsId, "statsId");
        }
    }

    /**
     * The next bytes of a track's WebM file, as the page's recorder gave them {@code at}: the sound in them was heard
     * at the latest then, which dates the track better than the moment its recorder was started.
     */
    record Data(String trackKey, byte[] bytes, Instant at) implements TrackSignal {
    }

    /** A track's capture ended: its participant left, the track was removed, or the capture was finished. */
    record Ended(String trackKey, Instant at) implements TrackSignal {
    }

    /** A participant's microphone was muted or unmuted (also said once for one muted when the capture began). */
    record MuteChanged(String participantId, boolean muted, Instant at) implements TrackSignal {
    }

    /** A visible participant is in the meeting (also said once for each one there when the capture began). */
    record Joined(String participantId, Instant at) implements TrackSignal {
    }

    /** A participant left the meeting. */
    record Left(String participantId, Instant at) implements TrackSignal {
    }

    /**
     * The page reloaded itself and its capture began again: tracks taken before ended without a word, at about
     * {@code at}.
     */
    record Restarted(Instant at) implements TrackSignal {
    }

    /** A track's capture, or the whole capture ({@code trackKey} empty), failed in the page. */
    record Broken(Optional<String> trackKey, String message, Instant at) implements TrackSignal {
    }
}
