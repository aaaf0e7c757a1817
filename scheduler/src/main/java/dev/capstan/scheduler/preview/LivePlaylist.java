package dev.capstan.scheduler.preview;

import dev.capstan.storage.spool.SegmentLayout;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A running recording's HLS event playlist (RFC 8216): the header, then every complete segment so far in recording
 * order with its own length, and {@code #EXT-X-ENDLIST} once the recording no longer captures, so that a player
 * stops at its end instead of waiting for more. While it grows, it offers blocking reloads (a player asks for the
 * playlist that lists the next segment and has it the moment that segment is complete), which keeps the preview a
 * few seconds behind live without the player polling. Addresses are relative to the playlist's own
 * ({@code …/{id}/live.m3u8} → {@code …/{id}/live/seg_00000.m4s}).
 *
 * @param segments the complete segments, in recording order
 * @param ended    whether the recording no longer captures: no segment will be added
 */
public record LivePlaylist(List<Segment> segments, boolean ended) {

    /** Where a segment lies, relative to the playlist. */
    static final String FILES = "live/";
    /** What the recorder aims at; the target of a playlist without a segment yet. */
    private static final Duration NOMINAL = Duration.ofSeconds(2);

    /** One complete media segment and how long it plays. */
    public record Segment(String name, Duration duration) {
        public Segment {
            if (!SegmentLayout.isSegment(name)) {
                throw new IllegalArgumentException("not a segment's name: " + name);
            }
            if (duration.isNegative()) {
                throw new IllegalArgumentException(name + " lasts " + duration);
            }
        }
    }

    public LivePlaylist {
        segments = List.copyOf(segments);
    }

    /** How long the segments listed play together. */
    public Duration length() {
        return segments.stream().map(Segment::duration).reduce(Duration.ZERO, Duration::plus);
    }

    /**
     * The longest segment, in whole seconds rounded to the nearest as the RFC asks (each {@code EXTINF} rounded must
     * not exceed it), at least 1.
     */
    long targetDuration() {
        Duration longest = segments.stream().map(Segment::duration).max(Duration::compareTo).orElse(NOMINAL);
        return Math.max(1, Math.round(longest.toMillis() / 1000.0));
    }

    /** Whether it lists the segment of this media sequence number (the first segment is 0). */
    public boolean lists(long sequenceNumber) {
        return sequenceNumber < segments.size();
    }

    /**
     * How long a blocking reload waits for a segment not listed yet (RFC 8216bis 6.2.5.2: three target durations),
     * after which the playlist as it is answers.
     */
    public Duration longestBlock() {
        return Duration.ofSeconds(3 * targetDuration());
    }

    /** The playlist as sent ({@code application/vnd.apple.mpegurl}). */
    public String render() {
        StringBuilder text = new StringBuilder(128 + 40 * segments.size())
                .append("#EXTM3U\n")
                .append("#EXT-X-VERSION:7\n")
                .append("#EXT-X-PLAYLIST-TYPE:EVENT\n")
                .append("#EXT-X-INDEPENDENT-SEGMENTS\n")
                .append("#EXT-X-TARGETDURATION:").append(targetDuration()).append('\n')
                .append(ended ? "" : "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n")
                .append("#EXT-X-MEDIA-SEQUENCE:0\n")
                .append("#EXT-X-MAP:URI=\"").append(FILES).append(SegmentLayout.INIT).append("\"\n");
        for (Segment segment : segments) {
            text.append(String.format(Locale.ROOT, "#EXTINF:%.3f,", segment.duration().toNanos() / 1e9))
                    .append('\n')
                    .append(FILES).append(segment.name()).append('\n');
        }
        if (ended) {
            text.append("#EXT-X-ENDLIST\n");
        }
        return text.toString();
    }
}
