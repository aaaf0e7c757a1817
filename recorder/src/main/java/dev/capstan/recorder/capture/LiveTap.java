package dev.capstan.recorder.capture;

/**
 * A copy of the encode for live streaming, sent as MPEG-TS to {@code url} (the live feed).
 *
 * @param maxBitrateKbps caps the encoder while streaming, as Jibri does ({@code -maxrate 2976k -bufsize 5952k}):
 *                       streaming services want a bounded rate
 * @param withFile       the recording's segments are written too; false for a live stream that keeps no file
 */
public record LiveTap(String url, int maxBitrateKbps, int bufferKbits, boolean withFile) {
}
