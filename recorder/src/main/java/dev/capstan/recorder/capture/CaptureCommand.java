package dev.capstan.recorder.capture;

import dev.capstan.storage.spool.SegmentLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The FFmpeg command line of one capture: the slot's display and sound in, one H.264/AAC encode out, written
 * as fragmented-MP4 segments (an HLS event playlist) so that a kill loses at most the segment being written.
 * With a {@link LiveTap}, the same encode also goes out as MPEG-TS for live destinations (FFmpeg's tee muxer:
 * one encode, several outputs).
 *
 * @param audioDelay shifts sound later to line it up with the picture, which reaches the screen a little after
 *                   the browser plays the matching sound
 * @param maxDuration stops the capture by itself after this much recorded media
 * @param size        a smaller picture than the display's: the encoder scales into this box (see {@link OutputSize});
 *                    empty or the display's own size records the display as it is
 * @param firstSegment the number of the first segment written: a capture resumed after a pause goes on numbering
 *                    where the one before it stopped
 */
public record CaptureCommand(
        String display,
        String pulseServer,
        String pulseSource,
        VideoProfile profile,
        Path segmentDirectory,
        Duration segmentLength,
        Duration audioDelay,
        Optional<Duration> maxDuration,
        Optional<LiveTap> live,
        Optional<OutputSize> size,
        CaptureMedia media,
        int firstSegment) {

    public CaptureCommand {
        if (firstSegment < 0) {
            throw new IllegalArgumentException("segments are numbered from 0, not " + firstSegment);
        }
        if (size.isPresent() && !size.get().fitsIn(profile)) {
            throw new IllegalArgumentException("the display is " + profile.width() + "x" + profile.height()
                    + ": it cannot be recorded larger, at " + size.get());
        }
        if (!media.hasVideo() && (live.isPresent() || size.isPresent())) {
            throw new IllegalArgumentException("an audio-only capture writes the file only, with no picture to size");
        }
    }

    /** Picture and sound. */
    public CaptureCommand(String display, String pulseServer, String pulseSource, VideoProfile profile,
            Path segmentDirectory, Duration segmentLength, Duration audioDelay, Optional<Duration> maxDuration,
            Optional<LiveTap> live, Optional<OutputSize> size) {
        this(display, pulseServer, pulseSource, profile, segmentDirectory, segmentLength, audioDelay, maxDuration,
                live, size, CaptureMedia.AUDIO_AND_VIDEO, 0);
    }

    /** A file recording without live output, at the display's size. */
    public CaptureCommand(String display, String pulseServer, String pulseSource, VideoProfile profile,
            Path segmentDirectory, Duration segmentLength, Duration audioDelay, Optional<Duration> maxDuration) {
        this(display, pulseServer, pulseSource, profile, segmentDirectory, segmentLength, audioDelay, maxDuration,
                Optional.empty(), Optional.empty());
    }

    /** At the display's size. */
    public CaptureCommand(String display, String pulseServer, String pulseSource, VideoProfile profile,
            Path segmentDirectory, Duration segmentLength, Duration audioDelay, Optional<Duration> maxDuration,
            Optional<LiveTap> live) {
        this(display, pulseServer, pulseSource, profile, segmentDirectory, segmentLength, audioDelay, maxDuration,
                live, Optional.empty());
    }

    /** The names the archive's spool expects (see {@link SegmentLayout}). */
    public static final String INIT_SEGMENT = SegmentLayout.INIT;
    public static final String SEGMENT_PATTERN = SegmentLayout.SEGMENT_PATTERN;
    public static final String PLAYLIST = "index.m3u8";
    /**
     * How often FFmpeg reports progress, in seconds. The first report with a frame is the "first frame" event, so
     * this is also how late that event may come (0.25 made the warm start 0.15 s slower on average).
     */
    public static final double STATS_PERIOD_SECONDS = 0.1;
    /**
     * Sound packets queued between the pulse input and the encoder: about a second of 8192-byte fragments. When it
     * is full the input waits and the sound server holds the sound meanwhile; the sound keeps its capture times.
     */
    private static final int AUDIO_QUEUE_PACKETS = 24;
    /**
     * Two thirds of a second of pictures queued between x11grab and the encoder. When it is full x11grab waits, then
     * grabs the screen as it is then, stamped with that moment: an encoder that falls behind gets fewer frames,
     * never older ones. FFmpeg 8's own queues between its threads hold about 9 frames more (a stop under a starved
     * encoder drained 17 frames at a queue of 8), so the backlog stays about a second; at 512 it was 17 s. Beside a
     * 1.5-core hog, 8 froze the picture for up to 0.8 s while the encoder was off the CPU; 20 absorbs that.
     */
    private int videoQueueFrames() {
        return Math.max(2, profile.frameRate() * 2 / 3);
    }
    /** Seconds between keyframes: segments cut there, and streaming services ask for 2. */
    private static final int KEYFRAME_SECONDS = 2;

    public List<String> arguments(Path ffmpeg) {
        List<String> args = new ArrayList<>(List.of(
                ffmpeg.toString(), "-hide_banner", "-nostdin", "-loglevel", "warning",
                "-progress", "pipe:1", "-stats_period", Double.toString(STATS_PERIOD_SECONDS)));
        if (!media.hasVideo()) {
            // The sink's monitor alone, read as for a video capture; with no grabber to starve, nothing else.
            args.addAll(pulseInput());
            args.addAll(List.of("-i", pulseSource));
            args.addAll(outputArguments());
            return List.copyOf(args);
        }
        // Sound first: opened after x11grab, the slow pulse input starves the grabber (frozen pictures).
        args.addAll(pulseInput());
        args.addAll(List.of(
                // FFmpeg starts each input's clock at its own first packet. Both stamp the wall clock, so -isync
                // puts the sound on the picture's timeline; the sound from before the first frame (the pulse
                // input opens first) is then cut (see audioFilter): the file starts with its first frame.
                "-isync", "1",
                "-i", pulseSource,
                // Picture: the whole display, no cursor, behind a small queue (see videoQueueFrames).
                "-f", "x11grab", "-draw_mouse", "0", "-framerate", Integer.toString(profile.frameRate()),
                "-video_size", profile.width() + "x" + profile.height(),
                "-thread_queue_size", Integer.toString(videoQueueFrames()),
                "-probesize", "32", "-analyzeduration", "0",
                "-i", display + ".0+0,0"));
        args.addAll(outputArguments());
        return List.copyOf(args);
    }

    /** The options of the sink's monitor as an input (its {@code -i} follows). */
    private List<String> pulseInput() {
        return List.of(
                // The bundled FFmpeg starves x11grab with large sound fragments: 40% repeated frames with
                // pulse's default, 28% at 32768 bytes, none at 16384 or less. 8192 bytes (43 ms) keeps a wide
                // margin and costs about 0.04 cores less than 4096 (FFmpeg and PulseAudio wake half as often).
                "-f", "pulse", "-server", pulseServer, "-fragment_size", "8192",
                "-thread_queue_size", Integer.toString(AUDIO_QUEUE_PACKETS),
                // Inputs describe their streams in full: probing one packet is enough (it saves a frame).
                "-probesize", "32", "-analyzeduration", "0");
    }

    /**
     * Everything after the inputs: stream choice, encoding and the segmented output. Input 0 is the sound and
     * input 1 the picture; the benchmark feeds these same settings from a synthetic source.
     */
    public List<String> outputArguments() {
        if (!media.hasVideo()) {
            return audioOnlyOutputArguments();
        }
        List<String> args = new ArrayList<>(List.of(
                "-map", "1:v", "-map", "0:a",
                "-vf", videoFilter(),
                "-c:v", "libx264", "-preset", profile.x264Preset(), "-profile:v", "high", "-pix_fmt", "yuv420p",
                // No lookahead and no B-frames: the first frame is written about half a second sooner (the warm
                // start's largest part), and the encoder costs less. Files grow, which the faster preset's
                // CPU savings pay for (see VideoProfile).
                "-tune", "zerolatency",
                // One encoding thread is the cheapest per frame and adds no frame delay; up to 720p30 it keeps
                // up with a third of a core to spare. Larger pictures get x264's own sliced threads.
                "-threads", Integer.toString(encoderThreads()),
                "-crf", Integer.toString(profile.crf()),
                // Every grabbed frame keeps its wall-clock time and none is invented: a frame the grabber could not
                // take leaves a longer frame in the file, not a repeat the encoder must pay for. Times are rounded
                // to the nominal frame rate, which drops the few frames x11grab takes in a burst after a wait.
                // Only the picture's: sound in a time base that coarse gets repeated timestamps.
                "-fps_mode", "vfr", "-enc_time_base:v", "1/" + profile.frameRate(),
                // Keyframes by time, not by frame count, so segments and live GOPs stay 2 s when frames are
                // dropped; x264's own keyframes only as a backstop, and never on scene cuts.
                "-force_key_frames", "expr:gte(t,n_forced*" + KEYFRAME_SECONDS + ")",
                "-g", Integer.toString(2 * KEYFRAME_SECONDS * profile.frameRate()), "-sc_threshold", "0",
                "-c:a", "aac", "-b:a", profile.audioBitrateKbps() + "k", "-ar", "48000", "-ac", "2",
                "-af", audioFilter()));
        live.ifPresent(tap -> args.addAll(List.of(
                // Streaming services want a bounded rate: CRF up to this cap (Jibri's streaming settings).
                "-maxrate", tap.maxBitrateKbps() + "k", "-bufsize", tap.bufferKbits() + "k",
                // Parameter sets in the codec header: the segments' init needs them, and the MPEG-TS output
                // repeats them before every keyframe, where a (re)connecting destination starts.
                "-flags", "+global_header")));
        maxDuration.ifPresent(limit -> args.addAll(List.of("-t", seconds(limit))));
        List<String> hls = hlsOptions();
        String playlist = segmentDirectory.resolve(PLAYLIST).toString();
        if (live.isEmpty()) {
            addHls(args, hls, playlist);
        } else if (!live.get().withFile()) {
            args.addAll(List.of("-f", "mpegts", live.get().url()));
        } else {
            // A live output that fails (the feed closed) is dropped; the file goes on.
            List<String> file = new ArrayList<>(hls);
            // The file is what must never be lost: if it cannot be written, the capture fails loudly.
            file.add("onfail=abort");
            args.addAll(List.of("-f", "tee", "[" + teeOptions(file) + "]" + teeEscape(playlist)
                    + "|[f=mpegts:onfail=ignore]" + teeEscape(live.get().url())));
        }
        return List.copyOf(args);
    }

    /**
     * Sound alone into the same fMP4 segments: every AAC frame is a sync sample, so segments cut at the segment
     * length as with video. No delay: it lines sound up with a picture there is none of. aresample still follows
     * the wall clock (gaps filled, overlaps trimmed) and starts the file at 0.
     */
    private List<String> audioOnlyOutputArguments() {
        List<String> args = new ArrayList<>(List.of("-map", "0:a",
                "-c:a", "aac", "-b:a", profile.audioBitrateKbps() + "k", "-ar", "48000", "-ac", "2",
                "-af", "aresample=async=1:first_pts=0"));
        maxDuration.ifPresent(limit -> args.addAll(List.of("-t", seconds(limit))));
        addHls(args, hlsOptions(), segmentDirectory.resolve(PLAYLIST).toString());
        return List.copyOf(args);
    }

    private List<String> hlsOptions() {
        return List.of(
                "f=hls", "hls_time=" + seconds(segmentLength), "hls_list_size=0",
                "hls_playlist_type=event", "hls_segment_type=fmp4",
                "hls_flags=independent_segments+temp_file",
                "hls_fmp4_init_filename=" + INIT_SEGMENT, "start_number=" + firstSegment,
                "hls_segment_filename=" + segmentDirectory.resolve(SEGMENT_PATTERN));
    }

    private static void addHls(List<String> args, List<String> hls, String playlist) {
        for (String option : hls) {
            int eq = option.indexOf('=');
            args.add("-" + option.substring(0, eq));
            args.add(option.substring(eq + 1));
        }
        args.add(playlist);
    }

    private static String teeOptions(List<String> options) {
        List<String> escaped = new ArrayList<>();
        for (String option : options) {
            int eq = option.indexOf('=');
            // Option values are unescaped twice (the slave list, then the option list); file names once.
            escaped.add(option.substring(0, eq + 1) + teeEscape(teeEscape(option.substring(eq + 1))));
        }
        return String.join(":", escaped);
    }

    /** The tee muxer's special characters in an option value or a file name. */
    private static String teeEscape(String value) {
        return value.replaceAll("([\\\\:|\\[\\]])", "\\\\$1");
    }

    /**
     * x11grab delivers bgr0. Going through bgr24 gives the very same yuv420p pixels, by a path that costs about 0.02
     * cores less at 720p30 (measured with the bundled FFmpeg 8.0.1). A smaller size is scaled in the same swscale
     * pass: into the requested box, the display's aspect ratio kept, both sides even (rounded down).
     */
    private String videoFilter() {
        String scale = size.filter(box -> !box.sameAs(profile))
                .map(box -> "scale=w=" + box.width() + ":h=" + box.height()
                        + ":force_original_aspect_ratio=decrease:force_divisible_by=2,")
                .orElse("");
        return "format=bgr24," + scale + "format=yuv420p";
    }

    private int encoderThreads() {
        return profile.width() * profile.height() <= 1280 * 720 ? 1 : 0;
    }

    /**
     * The delay is a filter, not -itsoffset: -isync would carry an input offset over to the picture too.
     * aresample fills gaps and trims overlaps so the sound follows the wall clock without drifting, and starts it
     * with the picture: sound from before the first frame is cut, a late start is padded with silence.
     */
    private String audioFilter() {
        String resample = "aresample=async=1:first_pts=0";
        return audioDelay.isZero() ? resample : "adelay=delays=" + audioDelay.toMillis() + ":all=1," + resample;
    }

    private static String seconds(Duration duration) {
        return String.format(Locale.ROOT, "%.3f", duration.toNanos() / 1e9);
    }
}
