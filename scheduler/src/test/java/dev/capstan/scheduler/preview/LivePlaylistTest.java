package dev.capstan.scheduler.preview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The playlist's text, as a player reads it (RFC 8216). */
class LivePlaylistTest {

    private static LivePlaylist.Segment segment(int number, long millis) {
        return new LivePlaylist.Segment(String.format("seg_%05d.m4s", number), Duration.ofMillis(millis));
    }

    @Test
    void aRunningRecordingsPlaylistListsEverySegmentWithItsLengthAndNoEnd() {
        LivePlaylist playlist = new LivePlaylist(List.of(segment(0, 2000), segment(1, 2033), segment(2, 1967)), false);
        assertThat(playlist.render()).isEqualTo("""
                #EXTM3U
                #EXT-X-VERSION:7
                #EXT-X-PLAYLIST-TYPE:EVENT
                #EXT-X-INDEPENDENT-SEGMENTS
                #EXT-X-TARGETDURATION:2
                #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES
                #EXT-X-MEDIA-SEQUENCE:0
                #EXT-X-MAP:URI="live/init.mp4"
                #EXTINF:2.000,
                live/seg_00000.m4s
                #EXTINF:2.033,
                live/seg_00001.m4s
                #EXTINF:1.967,
                live/seg_00002.m4s
                """);
        assertThat(playlist.length()).isEqualTo(Duration.ofMillis(6000));
        assertThat(playlist.lists(2)).isTrue();
        assertThat(playlist.lists(3)).as("a blocking reload for the next segment waits").isFalse();
        assertThat(playlist.longestBlock()).isEqualTo(Duration.ofSeconds(6));
    }

    @Test
    void anEndedRecordingsPlaylistEndsWithEndList() {
        String ended = new LivePlaylist(List.of(segment(0, 2000)), true).render();
        assertThat(ended).endsWith("live/seg_00000.m4s\n#EXT-X-ENDLIST\n");
        assertThat(ended.lines().filter(line -> line.equals("#EXT-X-ENDLIST"))).hasSize(1);
        assertThat(ended).as("nothing to wait for").doesNotContain("CAN-BLOCK-RELOAD");
    }

    @Test
    void theTargetIsTheLongestSegmentRoundedAndAPlaylistWithoutSegmentsHasTheNominalOne() {
        // Each EXTINF rounded to the nearest whole second must not exceed the target.
        assertThat(new LivePlaylist(List.of(segment(0, 2000), segment(1, 2600)), false).targetDuration()).isEqualTo(3);
        assertThat(new LivePlaylist(List.of(segment(0, 2499)), false).targetDuration()).isEqualTo(2);
        assertThat(new LivePlaylist(List.of(segment(0, 300)), false).targetDuration()).isEqualTo(1);
        LivePlaylist empty = new LivePlaylist(List.of(), false);
        assertThat(empty.targetDuration()).isEqualTo(2);
        assertThat(empty.render()).doesNotContain("#EXTINF").contains("#EXT-X-MAP:URI=\"live/init.mp4\"");
    }

    @Test
    void onlySegmentNamesAreListed() {
        assertThatThrownBy(() -> new LivePlaylist.Segment("../metadata.json", Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LivePlaylist.Segment("init.mp4", Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
