package dev.capstan.recorder.browser;

import java.net.URI;

/**
 * What the slot records: a page the browser opens and, for a real meeting, joins. Jitsi Meet's hidden-participant
 * join is one kind; any web page is another.
 */
public interface MeetingPage {

    /** Where the page is; shown in logs and metadata. */
    URI address();

    /** Opens the page in the browser and returns once it is ready to be recorded. */
    void join(Browser browser) throws NavigationException;
}
