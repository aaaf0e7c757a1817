package dev.capstan.recorder.browser;

import java.util.Objects;

/** Whether a joined page gives each participant's sound on its own. */
public sealed interface TrackOffer {

    /** It does: the capture has begun. */
    record Offered(PageTracks tracks) implements TrackOffer {

        public Offered {
            Objects.requireNonNull(tracks, "tracks");
        }
    }

    /** It does not; {@code why} says so in the recording's status. */
    record Refused(String why) implements TrackOffer {

        public Refused {
            Objects.requireNonNull(why, "why");
        }
    }
}
