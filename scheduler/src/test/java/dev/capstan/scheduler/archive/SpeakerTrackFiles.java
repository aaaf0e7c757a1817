package dev.capstan.scheduler.archive;

import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.capture.FfmpegBinary;
import dev.capstan.recorder.slot.CaptureSpan;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.recorder.slot.StopCause;
import dev.capstan.recorder.tracks.SpeakerTracks;
import dev.capstan.recorder.tracks.SpeakerTracks.Audible;
import dev.capstan.recorder.tracks.SpeakerTracks.Part;
import dev.capstan.recorder.tracks.SpeakerTracks.Span;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Speaker tracks as the recorder leaves them, without a browser: real Ogg/Opus files of FFmpeg's sine, each speaker
 * at a pitch of their own, below {@code tracks/} of a recording's directory, and the manifest that names them.
 * Alice (s1, 330 Hz) speaks 0-3 s, leaves, and is back 5-7 s in a second part; Bob (s2, 660 Hz) speaks 1-4 s.
 */
public final class SpeakerTrackFiles {

    public static final double ALICE_HZ = 330;
    public static final double BOB_HZ = 660;
    public static final String BOB = "王 Bob";

    private SpeakerTrackFiles() {
    }

    /**
     * Writes the files and the manifest into {@code directory}; {@code missing} names speakers whose files are
     * left out although the manifest names them (a crash took them).
     */
    public static SpeakerTracks write(Path directory, String... missing) throws Exception {
        List<String> left = List.of(missing);
        Path tracks = Files.createDirectories(directory.resolve(SpeakerTracks.DIRECTORY));
        List<SpeakerTracks.Speaker> speakers = new ArrayList<>();
        speakers.add(new SpeakerTracks.Speaker("s1", "Alice", "alice@example.com", List.of("a1b2", "c3d4"),
                List.of(part(tracks, "s1", 1, ALICE_HZ, 0, 3_000, left), part(tracks, "s1", 2, ALICE_HZ, 5_000, 2_000,
                        left)),
                List.of(new Span(0, 3_100), new Span(4_900, 7_000)), List.of(new Span(3_000, 3_100)),
                List.of(new Span(0, 3_000), new Span(5_000, 7_000))));
        speakers.add(new SpeakerTracks.Speaker("s2", BOB, "e5f6", List.of("e5f6"),
                List.of(part(tracks, "s2", 1, BOB_HZ, 1_000, 3_000, left)), List.of(new Span(800, 7_000)),
                List.of(), List.of(new Span(1_000, 4_000))));
        List<Audible> timeline = List.of(new Audible("s1", "Alice", 0, 3_000), new Audible("s2", BOB, 1_000, 4_000),
                new Audible("s1", "Alice", 5_000, 7_000));
        SpeakerTracks manifest = new SpeakerTracks(SpeakerTracks.Capture.CAPTURED, "", speakers, timeline);
        manifest.writeTo(directory);
        return manifest;
    }

    /**
     * Speaker tracks as the recorder leaves them when it dies mid-recording: its last manifest names the WebM file
     * it was still writing (Alice, 330 Hz, 0-2 s), which plays as it is.
     */
    static SpeakerTracks writeWhileRecording(Path directory) throws Exception {
        Path tracks = Files.createDirectories(directory.resolve(SpeakerTracks.DIRECTORY));
        long bytes = opus(tracks.resolve("s1-1.webm"), ALICE_HZ, 2_000);
        SpeakerTracks manifest = new SpeakerTracks(SpeakerTracks.Capture.CAPTURED, "", List.of(
                new SpeakerTracks.Speaker("s1", "Alice", "a1b2", List.of("a1b2"),
                        List.of(new Part(1, SpeakerTracks.DIRECTORY + "/s1-1.webm", 0, 2_000, bytes)),
                        List.of(new Span(0, 2_000)), List.of(), List.of(new Span(0, 2_000)))),
                List.of(new Audible("s1", "Alice", 0, 2_000)));
        manifest.writeTo(directory);
        return manifest;
    }

    private static Part part(Path tracks, String speaker, int number, double hz, long offsetMs, long durationMs,
            List<String> missing) throws Exception {
        String name = speaker + "-" + number + ".ogg";
        long bytes = 0;
        if (!missing.contains(speaker)) {
            bytes = opus(tracks.resolve(name), hz, durationMs);
        }
        return new Part(number, SpeakerTracks.DIRECTORY + "/" + name, offsetMs, durationMs, bytes);
    }

    /**
     * A recording of two of {@code media}'s segments whose directory also holds what {@code tracks} writes there,
     * stopped in order and settled.
     */
    static RecordingEntry record(RecordingArchive archive, SyntheticSegments media, String room,
            TrackWriter tracks) throws Exception {
        RecordingOrder order = RecordingOrder.of(RecordingId.generate(), room,
                URI.create("https://meet.example.com/" + room));
        Path directory = archive.begin(order);
        media.record(directory, 0, 2);
        tracks.write(directory);
        archive.events(order.id()).accept(new SlotEvent.Stopped(order.id(), Optional.empty(),
                new CaptureProgress(120, 30, 1, 0, 0, Duration.ofSeconds(4), 0), StopCause.REQUESTED,
                new CaptureSpan(Instant.now().minusSeconds(4), Instant.now(), CaptureSpan.EncoderEnd.DRAINED)));
        return archive.settled(order.id()).get(60, TimeUnit.SECONDS).orElseThrow();
    }

    @FunctionalInterface
    interface TrackWriter {
        void write(Path directory) throws Exception;
    }

    /** Encodes {@code durationMs} of a sine at {@code hz} as Opus (in Ogg or WebM, by the name); returns its length. */
    static long opus(Path file, double hz, long durationMs) throws Exception {
        Process ffmpeg = new ProcessBuilder(FfmpegBinary.bundled().toString(), "-hide_banner", "-nostdin",
                "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                "sine=frequency=" + hz + ":sample_rate=48000:duration=" + durationMs / 1000.0,
                "-c:a", "libopus", "-b:a", "32k", file.toString()).redirectErrorStream(true).start();
        try {
            String output = new String(ffmpeg.getInputStream().readAllBytes());
            if (!ffmpeg.waitFor(60, TimeUnit.SECONDS) || ffmpeg.exitValue() != 0) {
                throw new IOException("could not encode " + file + ": " + output);
            }
        } finally {
            ffmpeg.destroyForcibly();
        }
        return Files.size(file);
    }
}
