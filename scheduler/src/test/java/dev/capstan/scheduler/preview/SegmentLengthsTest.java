package dev.capstan.scheduler.preview;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.capstan.scheduler.archive.SyntheticSegments;
import dev.capstan.storage.media.FragmentedMp4;
import dev.capstan.storage.spool.SegmentLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.FileSystemUtils;

/**
 * Playlists of real 2-s fMP4 segments (FFmpeg's test sources through the capture's own output settings) as the
 * encoder leaves them in a recording's directory: every complete segment with its own length, nothing partial.
 */
@Tag("media")
class SegmentLengthsTest {

    @TempDir
    static Path work;
    private static SyntheticSegments media;

    @BeforeAll
    static void encode() throws Exception {
        media = SyntheticSegments.make(work.resolve("synthetic"), 8);
    }

    /** As the spool makes it: with its (empty) segment directory. */
    private static Path recordingDirectory(String name) throws Exception {
        return Files.createDirectories(SegmentLayout.segmentDirectory(work.resolve(name))).getParent();
    }

    @Test
    void thePlaylistListsTheCompleteSegmentsSoFarAndTheirLengthsAddUpToTheRecordings() throws Exception {
        Path directory = recordingDirectory("growing");
        SegmentLengths lengths = new SegmentLengths();
        assertThat(lengths.playlist(directory, false).segments()).as("nothing written yet").isEmpty();

        media.record(directory, 0, 2);
        // The segment the encoder has just opened: empty, not listed.
        Path growing = Files.createFile(SegmentLayout.segmentDirectory(directory).resolve("seg_00002.m4s"));
        LivePlaylist two = lengths.playlist(directory, false);
        assertThat(two.segments()).extracting(LivePlaylist.Segment::name)
                .containsExactly("seg_00000.m4s", "seg_00001.m4s");
        assertThat(two.render()).doesNotContain("#EXT-X-ENDLIST", "seg_00002");

        Files.delete(growing);
        media.record(directory, 2, 4);
        LivePlaylist four = lengths.playlist(directory, true);
        assertThat(four.segments()).hasSize(4);
        assertThat(four.segments().subList(0, 2)).as("the first two as they were").isEqualTo(two.segments());
        Duration recorded = FragmentedMp4.duration(SegmentLayout.init(directory),
                SegmentLayout.completedSegments(directory));
        assertThat(four.length().toMillis()).as("the EXTINFs add up to what the segments play")
                .isCloseTo(recorded.toMillis(), within(50L));
        assertThat(four.segments()).allSatisfy(segment ->
                assertThat(segment.duration().toMillis()).isBetween(1_900L, 2_100L));
        String text = four.render();
        assertThat(text).contains("#EXT-X-MAP:URI=\"live/init.mp4\"", "#EXT-X-TARGETDURATION:2\n")
                .endsWith("live/seg_00003.m4s\n#EXT-X-ENDLIST\n");
        assertThat(text.lines().filter(line -> line.startsWith("#EXTINF:"))).hasSize(4);
    }

    @Test
    void anUnreadableSegmentEndsTheListThereAndAGoneDirectoryIsForgotten() throws Exception {
        Path directory = recordingDirectory("broken");
        media.record(directory, 0, 3);
        Path segments = SegmentLayout.segmentDirectory(directory);
        Files.write(segments.resolve("seg_00001.m4s"), new byte[] {0, 0, 0, 8, 'j', 'u', 'n', 'k'});
        SegmentLengths lengths = new SegmentLengths();
        assertThat(lengths.playlist(directory, false).segments()).extracting(LivePlaylist.Segment::name)
                .as("no gap: the list stops before the unreadable one").containsExactly("seg_00000.m4s");

        Path other = recordingDirectory("other");
        media.record(other, 0, 1);
        FileSystemUtils.deleteRecursively(directory);
        assertThat(lengths.playlist(other, false).segments()).hasSize(1);
        assertThat(lengths.directories()).as("the deleted recording is forgotten").isEqualTo(1);
        assertThat(List.of(lengths.playlist(other, true).render().split("\n"))).contains("#EXT-X-ENDLIST");
    }
}
