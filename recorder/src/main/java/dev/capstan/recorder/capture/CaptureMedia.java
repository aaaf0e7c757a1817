package dev.capstan.recorder.capture;

/** What a capture grabs and encodes. */
public enum CaptureMedia {
    /** The slot's display and sound: H.264 and AAC. */
    AUDIO_AND_VIDEO,
    /** The slot's sound alone, as AAC: no display grab, no video encode, no video track in the file. */
    AUDIO_ONLY;

    public boolean hasVideo() {
        return this == AUDIO_AND_VIDEO;
    }
}
