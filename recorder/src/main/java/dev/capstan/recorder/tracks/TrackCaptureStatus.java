package dev.capstan.recorder.tracks;

import java.util.Objects;

/**
 * How the capture of each speaker's sound goes while the recording runs.
 *
 * @param capture  taken from the page, not offered by it, or broken (the composite recording goes on regardless)
 * @param speakers how many speakers have sound in a file so far
 * @param detail   why the page gives no tracks, or what broke; empty when all is well
 */
public record TrackCaptureStatus(SpeakerTracks.Capture capture, int speakers, String detail) {

    public TrackCaptureStatus {
        Objects.requireNonNull(capture, "capture");
        detail = detail == null ? "" : detail;
    }
}
