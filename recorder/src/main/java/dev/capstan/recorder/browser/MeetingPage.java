package dev.capstan.recorder.browser;

import java.net.URI;
import java.util.Optional;

/**
 * What the slot records: a page the browser opens and, for a real meeting, joins. Jitsi Meet's hidden-participant
 * join is one kind; any web page is another.
 */
public interface MeetingPage {

    /** Where the page is; shown in logs and metadata, so it never holds a secret. */
    URI address();

    /** Opens the page in the browser and returns once it is ready to be recorded. */
    void join(Browser browser) throws NavigationException;

    /**
     * Looks at the meeting in the joined page: who is there, whether media flows, whether the recorder is still in.
     * Empty for a page that is not a meeting, or whose meeting cannot be read.
     *
     * @throws org.openqa.selenium.WebDriverException if the browser does not answer (it then counts as hung)
     */
    default Optional<RoomState> probe(Browser browser) {
        return Optional.empty();
    }

    /**
     * Starts taking each remote participant's sound from the joined page, track by track. Refused by a page that has
     * no tracks to give (any page but a Jitsi Meet conference).
     *
     * @throws org.openqa.selenium.WebDriverException if the page does not answer
     */
    default TrackOffer tracks(Browser browser) {
        return new TrackOffer.Refused("the page is not a Jitsi Meet conference, so it has no tracks to give");
    }
}
