package dev.capstan.recorder.browser;

import java.util.List;

/**
 * Each remote participant's sound, taken in the page as it arrives (Opus in WebM, from a MediaRecorder per track),
 * with who joined, left and muted. What the page holds is taken every second or so; the page keeps little.
 */
public interface PageTracks {

    /**
     * What happened since the last take, in the order it happened.
     *
     * @throws org.openqa.selenium.WebDriverException if the page could not be read
     */
    List<TrackSignal> take();

    /** Ends every track's capture in the page and takes what is left; called once, before the page is left. */
    List<TrackSignal> finish();
}
