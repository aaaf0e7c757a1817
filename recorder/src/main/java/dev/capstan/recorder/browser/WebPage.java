package dev.capstan.recorder.browser;

import java.net.URI;

/** Any web page, recorded as soon as it has loaded. */
public record WebPage(URI address) implements MeetingPage {

    @Override
    public void join(Browser browser) throws NavigationException {
        browser.open(address);
    }
}
