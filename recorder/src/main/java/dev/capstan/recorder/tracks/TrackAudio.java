package dev.capstan.recorder.tracks;

import dev.capstan.recorder.output.PipedFfmpeg;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * One part of a speaker's sound made final: the page's WebM is rewritten as Ogg (its Opus packets copied unless the
 * page stalled; the Ogg file has its length and seeks), then decoded once to find its length and when it is
 * audible.
 */
final class TrackAudio {

    /** Louder than this (RMS over a window, dB below full scale) is audible; Opus silence is far below it. */
    static final double AUDIBLE_DBFS = -45;
    private static final int SAMPLE_RATE = 48_000;
    private static final int WINDOW = SAMPLE_RATE / 50;
    /** Pauses shorter than this inside speech do not end an audible stretch. */
    private static final long BRIDGE_MS = 300;
    /** Copying takes well under a second a minute; filling holes re-encodes, about a second a minute. */
    private static final Duration REWRITE_LIMIT = Duration.ofMinutes(5);
    /** A packet this much later than the one before ends where a hole begins. */
    private static final long HOLE_MS = 10;

    private TrackAudio() {
    }

    /** A final part: its length, and the stretches (ms from its start) in which it is audible. */
    record Measured(long durationMs, List<SpeakerTracks.Span> audible) {
    }

    /**
     * Makes {@code ogg} from {@code webm}, whole or not at all. Ogg times its sound by counting samples, so where the
     * page's audio stalled (a starved host: the WebM's timestamps jump) the copied packets would close up and all
     * that follows would come early. Such a file is decoded and encoded once more with the holes filled with
     * silence; a file without holes has its Opus packets copied.
     */
    static void rewrite(Path ffmpeg, Path webm, Path ogg, Holes holes) throws IOException {
        List<String> command = new ArrayList<>(List.of(ffmpeg.toString(), "-hide_banner", "-nostats",
                "-loglevel", "error", "-i", webm.toString(), "-map", "0:a:0"));
        if (holes.count() == 0) {
            command.addAll(List.of("-c:a", "copy"));
        } else {
            command.addAll(List.of("-af", "aresample=async=1:min_hard_comp=0.015:first_pts=0",
                    "-c:a", "libopus", "-b:a", "48k"));
        }
        command.addAll(List.of("-f", "ogg", "-y", PipedFfmpeg.partial(ogg).toString()));
        PipedFfmpeg.Result result = PipedFfmpeg.run("ffmpeg-track-" + ogg.getFileName(), command, List.of(), true,
                Optional.of(REWRITE_LIMIT));
        if (result.exit() != 0 || !Files.isRegularFile(PipedFfmpeg.partial(ogg))) {
            Files.deleteIfExists(PipedFfmpeg.partial(ogg));
            throw new IOException("rewriting " + webm.getFileName() + " as Ogg failed (ffmpeg exit " + result.exit()
                    + "): " + result.errorText());
        }
        PipedFfmpeg.publish(ogg);
    }

    /** Holes in a file's packet timestamps: where the page's audio stalled and nothing was recorded. */
    record Holes(int count, long totalMs) {
    }

    /**
     * What a file's packet timestamps say (read without decoding).
     *
     * @param holes          where the page's audio stalled
     * @param soundByChunkMs for each chunk the page handed over (by the byte where it ended), the media time its
     *                       last packet ends at; -1 for a chunk without a whole packet
     */
    record Timing(Holes holes, long[] soundByChunkMs) {
    }

    static Holes holes(Path file) throws IOException {
        return timing(file, new long[0]).holes();
    }

    /** @param chunkEnds the byte offsets at which the page's chunks ended, in order */
    static Timing timing(Path file, long[] chunkEnds) throws IOException {
        int count = 0;
        long total = 0;
        long expected = -1;
        long[] soundByChunk = new long[chunkEnds.length];
        Arrays.fill(soundByChunk, -1);
        int chunk = 0;
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
            grabber.start();
            AVPacket packet;
            AVRational base = grabber.getFormatContext().streams(0).time_base();
            while ((packet = grabber.grabPacket()) != null) {
                long pts = packet.pts() * 1000L * base.num() / base.den();
                long duration = packet.duration() * 1000L * base.num() / base.den();
                if (expected >= 0 && pts - expected > HOLE_MS) {
                    count++;
                    total += pts - expected;
                }
                expected = pts + (duration > 0 ? duration : 20);
                long packetEnd = packet.pos() + packet.size();
                while (chunk < chunkEnds.length && packetEnd > chunkEnds[chunk]) {
                    chunk++;
                }
                if (packet.pos() >= 0 && chunk < chunkEnds.length) {
                    soundByChunk[chunk] = Math.max(soundByChunk[chunk], expected);
                }
                avcodec.av_packet_unref(packet);
            }
            grabber.stop();
        } catch (FrameGrabber.Exception e) {
            throw new IOException(file.getFileName() + " does not read: " + e.getMessage(), e);
        }
        return new Timing(new Holes(count, total), soundByChunk);
    }

    /** Decodes the file once; empty when it holds no sound at all. */
    static Optional<Measured> measure(Path file) throws IOException {
        List<SpeakerTracks.Span> audible = new ArrayList<>();
        long samples = 0;
        double energy = 0;
        int inWindow = 0;
        long openedAt = -1;
        long lastLoud = -1;
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
            grabber.setSampleMode(FrameGrabber.SampleMode.FLOAT);
            grabber.setAudioChannels(1);
            grabber.setSampleRate(SAMPLE_RATE);
            grabber.start();
            Frame frame;
            while ((frame = grabber.grabSamples()) != null) {
                if (frame.samples == null) {
                    continue;
                }
                FloatBuffer buffer = (FloatBuffer) frame.samples[0];
                while (buffer.hasRemaining()) {
                    float sample = buffer.get();
                    energy += sample * sample;
                    samples++;
                    if (++inWindow < WINDOW) {
                        continue;
                    }
                    double dbfs = 10 * Math.log10(Math.max(energy / inWindow, 1e-12));
                    long windowEnd = samples * 1000 / SAMPLE_RATE;
                    if (dbfs > AUDIBLE_DBFS) {
                        long windowStart = windowEnd - 1000L * inWindow / SAMPLE_RATE;
                        if (openedAt >= 0 && windowStart - lastLoud > BRIDGE_MS) {
                            audible.add(new SpeakerTracks.Span(openedAt, lastLoud));
                            openedAt = -1;
                        }
                        if (openedAt < 0) {
                            openedAt = windowStart;
                        }
                        lastLoud = windowEnd;
                    }
                    energy = 0;
                    inWindow = 0;
                }
            }
            grabber.stop();
        } catch (FrameGrabber.Exception e) {
            throw new IOException(file.getFileName() + " does not decode: " + e.getMessage(), e);
        }
        if (openedAt >= 0) {
            audible.add(new SpeakerTracks.Span(openedAt, lastLoud));
        }
        return samples == 0 ? Optional.empty() : Optional.of(new Measured(samples * 1000 / SAMPLE_RATE, audible));
    }
}
