package dev.capstan.recorder.output;

import dev.capstan.recorder.capture.CaptureCommand;
import dev.capstan.recorder.capture.CaptureMedia;
import dev.capstan.recorder.capture.FfmpegBinary;
import dev.capstan.recorder.capture.VideoProfile;
import dev.capstan.recorder.process.ChildProcess;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A recording's segment directory made from FFmpeg's test sources (testsrc2 720p30, a 440 Hz sine) with exactly
 * the capture's output settings ({@link CaptureCommand#outputArguments()}), as fast as the encoder goes.
 */
final class SyntheticRecording {

    private SyntheticRecording() {
    }

    static SegmentedRecording make(Path directory, int seconds) throws Exception {
        SegmentedRecording recording = SegmentedRecording.create(directory);
        encode(recording, command(recording.segmentDirectory(), VideoProfile.HD_720P30, seconds, 0), seconds);
        return recording;
    }

    /**
     * Continues a recording as a capture resumed after a pause does: a new encoder (at {@code profile}) writes
     * {@code seconds} more into a {@link ResumedRun}, which moves its segments into the recording.
     */
    static ResumedRun resume(SegmentedRecording recording, int resume, VideoProfile profile, int seconds)
            throws Exception {
        ResumedRun run = ResumedRun.start(recording, resume);
        encode(recording, command(run.stagingDirectory(), profile, seconds, run.firstSegment()), seconds);
        run.close();
        return run;
    }

    private static CaptureCommand command(Path segments, VideoProfile profile, int seconds, int firstSegment) {
        return new CaptureCommand(":0", "unused", "unused", profile, segments, Duration.ofSeconds(2),
                Duration.ofMillis(80), Optional.of(Duration.ofSeconds(seconds)), Optional.empty(), Optional.empty(),
                CaptureMedia.AUDIO_AND_VIDEO, firstSegment);
    }

    private static void encode(SegmentedRecording recording, CaptureCommand capture, int seconds) throws Exception {
        VideoProfile profile = capture.profile();
        List<String> command = new ArrayList<>(List.of(FfmpegBinary.bundled().toString(),
                "-hide_banner", "-nostdin", "-loglevel", "error",
                "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                "-f", "lavfi", "-i", "testsrc2=size=" + profile.width() + "x" + profile.height() + ":rate="
                        + profile.frameRate() + ",format=bgr0"));
        command.addAll(capture.outputArguments());
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        ChildProcess ffmpeg = ChildProcess.start(ChildProcess.Spec.of("ffmpeg-synthetic", command).onStderr(errors::add));
        try {
            int exit = ffmpeg.exit().get(seconds * 3L + 60, TimeUnit.SECONDS);
            ffmpeg.drainOutput(Duration.ofSeconds(2));
            if (exit != 0 || !recording.hasMedia()) {
                throw new IOException("synthetic recording failed (exit " + exit + "): " + String.join("; ", errors));
            }
        } finally {
            ffmpeg.stop(Duration.ofSeconds(2));
        }
    }

    /** The init segment and the complete media segments plainly concatenated (no header), as {@code target}. */
    static Path concatenated(SegmentedRecording recording, Path target) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(target))) {
            Files.copy(recording.initSegment(), out);
            for (Path segment : recording.completedSegments()) {
                Files.copy(segment, out);
            }
        }
        return target;
    }
}
