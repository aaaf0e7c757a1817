package dev.capstan.scheduler.archive;

import dev.capstan.recorder.capture.CaptureCommand;
import dev.capstan.recorder.capture.FfmpegBinary;
import dev.capstan.recorder.capture.VideoProfile;
import dev.capstan.storage.spool.SegmentLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Real 2-s fragmented-MP4 segments without a browser: FFmpeg's test sources (testsrc2 720p30, a 440 Hz sine)
 * through exactly the capture's output settings, made once and then "recorded" into spool directories the way the
 * encoder writes them (each file appears complete, under its final name).
 */
public final class SyntheticSegments {

    private final Path source;
    private final List<Path> segments;

    private SyntheticSegments(Path source, List<Path> segments) {
        this.source = source;
        this.segments = segments;
    }

    /** Encodes {@code seconds} of media into {@code directory} as fast as the encoder goes. */
    public static SyntheticSegments make(Path directory, int seconds) throws Exception {
        Path segmentDirectory = Files.createDirectories(directory);
        CaptureCommand capture = new CaptureCommand(":0", "unused", "unused", VideoProfile.HD_720P30, segmentDirectory,
                Duration.ofSeconds(2), Duration.ofMillis(80), Optional.of(Duration.ofSeconds(seconds)));
        List<String> command = new ArrayList<>(List.of(FfmpegBinary.bundled().toString(),
                "-hide_banner", "-nostdin", "-loglevel", "error",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30,format=bgr0"));
        command.addAll(capture.outputArguments());
        Process ffmpeg = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("ffmpeg.log").toFile()).start();
        try {
            if (!ffmpeg.waitFor(seconds * 3L + 60, TimeUnit.SECONDS) || ffmpeg.exitValue() != 0) {
                throw new IOException("synthetic recording failed: " + Files.readString(directory.resolve("ffmpeg.log")));
            }
        } finally {
            ffmpeg.destroyForcibly();
        }
        List<Path> segments = new ArrayList<>();
        for (int i = 0; Files.isRegularFile(segmentDirectory.resolve(String.format(SegmentLayout.SEGMENT_PATTERN, i))); i++) {
            segments.add(segmentDirectory.resolve(String.format(SegmentLayout.SEGMENT_PATTERN, i)));
        }
        if (segments.size() < seconds / 2) {
            throw new IOException("synthetic recording has " + segments.size() + " segments, not " + seconds / 2);
        }
        return new SyntheticSegments(segmentDirectory, List.copyOf(segments));
    }

    public int count() {
        return segments.size();
    }

    /** Writes the header and segments [from, to) into a recording's spool directory, as the encoder would. */
    public void record(Path recordingDirectory, int from, int to) throws IOException {
        Path target = SegmentLayout.segmentDirectory(recordingDirectory);
        if (!Files.exists(target.resolve(SegmentLayout.INIT))) {
            place(source.resolve(SegmentLayout.INIT), target);
        }
        for (Path segment : segments.subList(from, to)) {
            place(segment, target);
        }
    }

    private static void place(Path file, Path directory) throws IOException {
        Path temp = directory.resolve(file.getFileName() + ".tmp");
        Files.copy(file, temp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temp, directory.resolve(file.getFileName()), StandardCopyOption.ATOMIC_MOVE);
    }
}
