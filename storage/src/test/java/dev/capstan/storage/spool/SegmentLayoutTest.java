package dev.capstan.storage.spool;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentLayoutTest {

    @TempDir
    Path recording;

    /** A kill -9 leaves the segment the encoder had just opened, empty: it is not part of the recording. */
    @Test
    void anEmptyLastSegmentIsNotACompletedOne() throws Exception {
        Path segments = Files.createDirectories(SegmentLayout.segmentDirectory(recording));
        Files.write(segments.resolve("seg_00001.m4s"), new byte[] {1});
        Files.write(segments.resolve("seg_00002.m4s"), new byte[] {1});
        Files.createFile(segments.resolve("seg_00003.m4s"));

        assertThat(SegmentLayout.completedSegments(recording)).extracting(file -> file.getFileName().toString())
                .containsExactly("seg_00001.m4s", "seg_00002.m4s");
    }
}
