package dev.capstan.storage.media;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Joins FFmpeg's fragmented-MP4 HLS segments into one MP4 that browsers open at once, with its duration, and seek in
 * with a request or two, such that every segment's share of the file is fixed as soon as that segment exists and
 * only a small header depends on the end of the recording. That is what lets an archive upload the final object as
 * a multipart upload while recording runs and, at stop, upload only the last part and part 1 again (whose first
 * bytes are the header).
 *
 * <pre>
 * final file = header(init, segments) + body(seg_00000) + body(seg_00001) + ...
 *
 * header     = init.mp4's ftyp and moov, durations filled in; then one sidx per track indexing every body
 * body(seg)  = the segment without its styp and sidx boxes: moof + mdat, byte for byte
 * </pre>
 *
 * <p>Why this layout. Measured with the JavaCV-bundled FFmpeg 8.0.1 and Debian's Chromium (which demuxes
 * progressive MP4 with FFmpeg's mov demuxer) on 60 s and 10 min recordings of 2 s segments, served over HTTP with
 * range requests; see {@code IndexedRecordingTest} in the recorder module:
 * <ul>
 *   <li>Plain concatenation (init + segments) is a valid fragmented MP4 whose moov says duration 0; each segment
 *       brings its own sidx boxes indexing only itself. FFmpeg, and so Chromium, gets the duration (and precise
 *       seeking) only by walking every top-level box of the file when it opens it: one range request per segment
 *       (33 for 60 s in FFmpeg over HTTP, about a second before {@code loadedmetadata} in Chromium with 50 ms per
 *       request, against one request and 0.17 s for this layout). For an hour of recording from an object store
 *       that is some 1800 requests before the first picture.</li>
 *   <li>With one sidx per track right after the moov, referencing the bodies up to the end of the file, FFmpeg's
 *       fragment index is complete after the first request: it knows the duration and seeks by loading the one
 *       fragment it needs. Every track gets an index, not just the video: with the video's alone FFmpeg positions
 *       the sound by the video's fragment times, misses the sound fragment before a seek target (the sound's
 *       fragments start a little after the video's), falls back to the last sound sample it has read, near the
 *       start, and Chromium then reads the file sequentially up to the target (4 s for a 60 s file, locally).</li>
 *   <li>The sidx times are presentation times, with the edit list applied (ISO/IEC 14496-12, 8.16.3.3), because
 *       FFmpeg compares them with seek targets. With decode times, a seek to exactly a segment's start picks that
 *       segment although its first frame is presented 21 ms later (the empty edit FFmpeg gives the video), finds
 *       no earlier keyframe among the fragments read, and restarts from the beginning of the file. A side effect:
 *       FFmpeg takes a stream's duration to be its first presentation time plus the indexed durations, and
 *       Chromium adds the start time once more, so its {@code duration} comes out longer by that empty edit
 *       (60.042 s rather than 60.021 s).</li>
 *   <li>The per-segment sidx boxes are dropped because they would index each body a second time, relative to
 *       themselves; the styp boxes because they belong to separately delivered segments. The moof boxes stay
 *       unchanged: FFmpeg writes them with default-base-is-moof, so their data offsets are relative to the moof and
 *       survive the move. A moof with an absolute base data offset is refused.</li>
 *   <li>mvhd, mehd, tkhd and mdhd get their durations too, for readers that take the duration from the moov
 *       (FFmpeg's container duration comes from there). The edit lists stay as FFmpeg wrote them (a segment
 *       duration of 0 means "to the end"); tkhd and mvhd durations include the empty edits.</li>
 *   <li>An mfra at the end (the other index of fragmented files) would fit the upload scheme too, but FFmpeg reads
 *       it only with the non-default {@code use_mfra_for} option, so browsers would not use it.</li>
 * </ul>
 *
 * <p>A track's sidx has one reference per body: its size is the body's length, its duration the distance to the
 * next segment's first presentation time (for the last segment, the span of its samples), and it starts with a
 * SAP of type 1 when its first sample is a sync sample (closed GOPs, as the capture writes, start presenting with
 * it). Presentation times come from decode times and composition offsets (the real capture reorders frames by up
 * to a few frames) shifted by the edit list. The video track (else the first) is indexed first and
 * must have samples in every segment; other tracks are indexed when they do too. One sidx holds at most 65535
 * references (36 hours of 2 s segments).
 *
 * <p>Nothing is decoded; reading a segment reads its boxes up to the end of each moof. Malformed input (truncated
 * boxes, a moof without tfdt, an init without moov) fails with an {@link IOException} that says which file and
 * what is wrong.
 */
public final class FragmentedMp4 {

    /** Top-level boxes of a media segment that stay out of the final file. */
    private static final Set<String> SEGMENT_ONLY = Set.of("styp", "sidx", "ssix");
    /** Containers of the init segment that are opened to find what needs patching. */
    private static final Set<String> INIT_CONTAINERS = Set.of("moov", "trak", "mdia", "edts", "mvex");
    private static final long MAX_MOOF = 64L << 20;
    private static final long MAX_INIT = 16L << 20;
    private static final int MAX_REFERENCES = 0xFFFF;

    private static final int TFHD_BASE_DATA_OFFSET = 0x01;
    private static final int TFHD_SAMPLE_DESCRIPTION_INDEX = 0x02;
    private static final int TFHD_DEFAULT_DURATION = 0x08;
    private static final int TFHD_DEFAULT_SIZE = 0x10;
    private static final int TFHD_DEFAULT_FLAGS = 0x20;
    private static final int TRUN_DATA_OFFSET = 0x01;
    private static final int TRUN_FIRST_SAMPLE_FLAGS = 0x04;
    private static final int TRUN_DURATION = 0x100;
    private static final int TRUN_SIZE = 0x200;
    private static final int TRUN_FLAGS = 0x400;
    private static final int TRUN_COMPOSITION_OFFSET = 0x800;
    private static final long SAMPLE_IS_NON_SYNC = 0x00010000L;

    private FragmentedMp4() {
    }

    /** A byte range of a file. */
    public record Range(long offset, long length) {
        public Range {
            if (offset < 0 || length < 0) {
                throw new IllegalArgumentException("bad range " + offset + "+" + length);
            }
        }
    }

    /**
     * One media segment as read once: which of its bytes go into the final file, and the timing the header needs.
     * Inspecting a segment reads its boxes up to the end of each moof, never its media data.
     */
    public static final class Segment {
        private final Path file;
        private final long fileSize;
        private final List<Range> body;
        private final long bodyLength;
        private final List<TrackFragment> fragments;

        private Segment(Path file, long fileSize, List<Range> body, List<TrackFragment> fragments) {
            this.file = file;
            this.fileSize = fileSize;
            this.body = List.copyOf(body);
            this.bodyLength = body.stream().mapToLong(Range::length).sum();
            this.fragments = List.copyOf(fragments);
        }

        /** The byte ranges of the segment file that make up its body, in order. */
        public List<Range> bodyRanges() {
            return body;
        }

        public long bodyLength() {
            return bodyLength;
        }

        /**
         * The body's bytes. Fails if the file's size changed since it was inspected (a segment is never edited, so
         * that means the wrong file).
         */
        public InputStream openBody() throws IOException {
            FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
            try {
                long size = channel.size();
                if (size != fileSize) {
                    throw new IOException(file + " changed since it was inspected: " + fileSize + " bytes then, " + size + " now");
                }
                return new RangesInputStream(channel, body);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
    }

    /** What one traf says about its track's timing; default durations and flags are resolved against the trex. */
    private record TrackFragment(
            long trackId,
            long baseMediaDecodeTime,
            long sampleCount,
            long explicitDuration,
            long samplesWithoutDuration,
            long defaultDuration,
            long firstSampleFlags,
            long earliestPresentation) {

        static final long UNKNOWN = -1;

        long duration(Trex trex) {
            long perSample = defaultDuration != UNKNOWN ? defaultDuration : trex.defaultDuration();
            return explicitDuration + samplesWithoutDuration * perSample;
        }

        boolean startsWithSync(Trex trex) {
            long flags = firstSampleFlags != UNKNOWN ? firstSampleFlags : trex.defaultFlags();
            return sampleCount > 0 && (flags & SAMPLE_IS_NON_SYNC) == 0;
        }
    }

    private record Trex(long defaultDuration, long defaultFlags) {
    }

    // ---------------------------------------------------------------------------------------------------------
    // Public API

    /** Reads a media segment's boxes; fails if it is truncated, not an MP4 fragment, or cannot be moved. */
    public static Segment inspect(Path segment) throws IOException {
        try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.READ)) {
            return inspect(segment, channel);
        }
    }

    /** The number of bytes {@link #body} yields for this segment. */
    public static long bodyLength(Path segment) throws IOException {
        return inspect(segment).bodyLength();
    }

    /** The segment's bytes as they go into the final file (its moof and mdat boxes, unchanged). */
    public static InputStream body(Path segment) throws IOException {
        return inspect(segment).openBody();
    }

    /**
     * The bytes before the first body: init.mp4's boxes with durations filled in, and an index of all bodies.
     * {@code segments} are the complete segments in recording order.
     */
    public static byte[] header(Path init, List<Path> segments) throws IOException {
        List<Segment> inspected = new ArrayList<>(segments.size());
        for (Path segment : segments) {
            inspected.add(inspect(segment));
        }
        return headerOf(init, inspected);
    }

    /** {@link #header(Path, List)} for segments inspected earlier (say, while they were uploaded). */
    public static byte[] headerOf(Path init, List<Segment> segments) throws IOException {
        if (segments.isEmpty()) {
            throw new IOException("no media segment to index for " + init);
        }
        if (segments.size() > MAX_REFERENCES) {
            throw new IOException(segments.size() + " segments are more than one sidx can index (" + MAX_REFERENCES + ")");
        }
        Init parsed = Init.read(init);
        return parsed.header(segments);
    }

    /** The whole final file: {@link #header} followed by every segment's {@link #body}. */
    public static void compose(Path init, List<Path> segments, OutputStream out) throws IOException {
        List<Segment> inspected = new ArrayList<>(segments.size());
        for (Path segment : segments) {
            inspected.add(inspect(segment));
        }
        out.write(headerOf(init, inspected));
        for (Segment segment : inspected) {
            try (InputStream body = segment.openBody()) {
                body.transferTo(out);
            }
        }
    }

    /**
     * When a segment starts on the recording's media timeline: the first decode time (tfdt) of its reference track
     * (the video track, else the first), from time 0 of that track.
     */
    public static Duration startTime(Path init, Path segment) throws IOException {
        Init parsed = Init.read(init);
        Init.Track reference = parsed.reference();
        Segment inspected = inspect(segment);
        for (TrackFragment fragment : inspected.fragments) {
            if (fragment.trackId == reference.id()) {
                return Duration.ofNanos(rescale(fragment.baseMediaDecodeTime, reference.timescale(), 1_000_000_000L));
            }
        }
        throw new IOException(segment + " has no sample of track " + reference.id() + " (" + reference.handler() + ")");
    }

    /**
     * How long a run of segments plays: the end of the last segment's samples of the reference track (the video
     * track, else the first) on the recording's media timeline, which starts at 0.
     */
    public static Duration duration(Path init, List<Path> segments) throws IOException {
        if (segments.isEmpty()) {
            return Duration.ZERO;
        }
        Init parsed = Init.read(init);
        Path last = segments.get(segments.size() - 1);
        return span(parsed, last, inspect(last)).end();
    }

    /**
     * How long one media segment plays: from the first decode time of its reference track's samples (the video
     * track, else the first) to their end. A live playlist lists each segment with it.
     */
    public static Duration segmentDuration(Path init, Path segment) throws IOException {
        Span span = span(Init.read(init), segment, inspect(segment));
        return span.end().minus(span.start());
    }

    /** Where a segment's samples of the reference track lie on the recording's media timeline. */
    private record Span(Duration start, Duration end) {
    }

    private static Span span(Init parsed, Path file, Segment inspected) throws IOException {
        Init.Track reference = parsed.reference();
        long start = Long.MAX_VALUE;
        long end = -1;
        for (TrackFragment fragment : inspected.fragments) {
            if (fragment.trackId == reference.id() && fragment.sampleCount > 0) {
                Trex defaults = parsed.trex.getOrDefault(fragment.trackId, new Trex(0, 0));
                start = Math.min(start, fragment.baseMediaDecodeTime);
                end = Math.max(end, Math.addExact(fragment.baseMediaDecodeTime, fragment.duration(defaults)));
            }
        }
        if (end < 0) {
            throw new IOException(file + " has no sample of track " + reference.id() + " (" + reference.handler() + ")");
        }
        return new Span(Duration.ofNanos(rescale(start, reference.timescale(), 1_000_000_000L)),
                Duration.ofNanos(rescale(end, reference.timescale(), 1_000_000_000L)));
    }

    /**
     * How long the composed file plays, as players report it: the movie header's duration that {@link #header}
     * writes, the longest track with its edit list applied (FFmpeg's container duration). It can exceed
     * {@link #duration} by the sound's lead over the picture.
     */
    public static Duration playedDuration(Path init, List<Path> segments) throws IOException {
        if (segments.isEmpty()) {
            return Duration.ZERO;
        }
        List<Segment> inspected = new ArrayList<>(segments.size());
        for (Path segment : segments) {
            inspected.add(inspect(segment));
        }
        return Init.read(init).movieDuration(inspected);
    }

    /**
     * Where the media of a run of segments ends: the latest sample end of any track in its last segment, on the
     * recording's timeline. A capture resumed after a pause continues from here, so no track overlaps what came
     * before it.
     */
    public static Duration end(Path init, Path lastSegment) throws IOException {
        Init parsed = Init.read(init);
        long endNanos = 0;
        for (TrackFragment fragment : inspect(lastSegment).fragments) {
            Init.Track track = parsed.track(fragment.trackId, lastSegment);
            long end = Math.addExact(fragment.baseMediaDecodeTime,
                    fragment.duration(parsed.trex.getOrDefault(fragment.trackId, new Trex(0, 0))));
            endNanos = Math.max(endNanos, rescale(end, track.timescale(), 1_000_000_000L));
        }
        return Duration.ofNanos(endNanos);
    }

    /**
     * Whether the segments that came with {@code other} may follow those of {@code init} in one file: the same
     * tracks, timescales and codec configurations (sample descriptions). Edit lists and durations may differ; the
     * final file keeps the first init's.
     */
    public static boolean sameStreams(Path init, Path other) throws IOException {
        Init first = Init.read(init);
        Init second = Init.read(other);
        if (!first.tracks.keySet().equals(second.tracks.keySet())) {
            return false;
        }
        for (Init.Track track : first.tracks.values()) {
            Init.Track twin = second.tracks.get(track.id());
            if (track.timescale() != twin.timescale() || !track.handler().equals(twin.handler())
                    || !Arrays.equals(first.sampleDescription(track), second.sampleDescription(twin))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Copies a media segment to {@code target} with every track's decode times (tfdt) moved {@code offset} later,
     * in the track's own timescale. The samples are untouched: this is how the segments of a capture resumed after a
     * pause, which FFmpeg starts at 0, continue the recording's timeline without a gap or an overlap.
     */
    public static void shift(Path init, Path segment, Duration offset, Path target) throws IOException {
        if (offset.isNegative()) {
            throw new IllegalArgumentException("a segment moves later, not " + offset);
        }
        Init parsed = Init.read(init);
        byte[] bytes = Files.readAllBytes(segment);
        ByteBuffer patch = ByteBuffer.wrap(bytes);
        Cursor file = new Cursor(bytes, segment.toString());
        int shifted = 0;
        while (file.remaining() > 0) {
            Cursor top = file.box();
            while (top.type.equals("moof") && top.remaining() > 0) {
                Cursor traf = top.box();
                long trackId = -1;
                while (traf.type.equals("traf") && traf.remaining() > 0) {
                    Cursor box = traf.box();
                    if (box.type.equals("tfhd")) {
                        box.skip(4);
                        trackId = box.u32();
                    } else if (box.type.equals("tfdt")) {
                        long ticks = rescale(offset.toNanos(), 1_000_000_000L, parsed.track(trackId, segment).timescale());
                        int version = box.u8();
                        box.skip(3);
                        int at = box.position;
                        if (version == 1) {
                            patch.putLong(at, Math.addExact(box.u64(), ticks));
                        } else {
                            long moved = box.u32() + ticks;
                            if (moved > 0xFFFFFFFFL) {
                                throw new IOException(box.where + ": track " + trackId
                                        + "'s 32-bit decode time cannot move " + offset + " later");
                            }
                            patch.putInt(at, (int) moved);
                        }
                        shifted++;
                    }
                }
            }
        }
        if (shifted == 0) {
            throw new IOException(segment + " is not a media segment: it has no decode time (tfdt) to move");
        }
        Files.write(target, bytes);
    }

    /** Whether the recording has a picture: an audio-only one has a sound track alone. */
    public static boolean hasVideo(Path init) throws IOException {
        return Init.read(init).tracks.values().stream().anyMatch(track -> track.handler.equals("vide"));
    }

    /** The length of {@link #compose}'s output. */
    public static long composedLength(Path init, List<Segment> segments) throws IOException {
        long length = headerOf(init, segments).length;
        for (Segment segment : segments) {
            length += segment.bodyLength();
        }
        return length;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Media segments

    private static Segment inspect(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        List<Range> body = new ArrayList<>();
        List<TrackFragment> fragments = new ArrayList<>();
        boolean sawMoof = false;
        boolean sawMdat = false;
        long position = 0;
        while (position < size) {
            BoxHeader box = BoxHeader.read(channel, position, size, file);
            switch (box.type) {
                case "moof" -> {
                    if (box.size > MAX_MOOF) {
                        throw new IOException(file + ": moof at " + position + " is implausibly large (" + box.size + " bytes)");
                    }
                    ByteBuffer moof = readFully(channel, position + box.headerSize, box.size - box.headerSize, file);
                    fragments.addAll(parseMoof(new Cursor(moof.array(), file + ": moof at " + position)));
                    sawMoof = true;
                }
                case "mdat" -> sawMdat = true;
                default -> {
                }
            }
            if (!SEGMENT_ONLY.contains(box.type)) {
                Range last = body.isEmpty() ? null : body.get(body.size() - 1);
                if (last != null && last.offset() + last.length() == position) {
                    body.set(body.size() - 1, new Range(last.offset(), last.length() + box.size));
                } else {
                    body.add(new Range(position, box.size));
                }
            }
            position += box.size;
        }
        if (!sawMoof || !sawMdat) {
            throw new IOException(file + " is not a media segment: it has " + (sawMoof ? "no mdat" : "no moof")
                    + " (" + size + " bytes)");
        }
        return new Segment(file, size, body, fragments);
    }

    private static List<TrackFragment> parseMoof(Cursor moof) throws IOException {
        List<TrackFragment> fragments = new ArrayList<>();
        while (moof.remaining() > 0) {
            Cursor box = moof.box();
            if (box.type.equals("traf")) {
                fragments.add(parseTraf(box));
            }
        }
        if (fragments.isEmpty()) {
            throw new IOException(moof.where + " has no traf");
        }
        return fragments;
    }

    private static TrackFragment parseTraf(Cursor traf) throws IOException {
        long trackId = -1;
        long defaultDuration = TrackFragment.UNKNOWN;
        long defaultFlags = TrackFragment.UNKNOWN;
        long decodeTime = -1;
        long sampleCount = 0;
        long explicitDuration = 0;
        long withoutDuration = 0;
        long firstSampleFlags = TrackFragment.UNKNOWN;
        // Earliest composition time relative to tfdt; exact while every sample's duration is known here (explicit
        // or tfhd default), else that of the first sample.
        long earliestPresentation = Long.MAX_VALUE;
        long firstPresentation = 0;
        long elapsed = 0;
        boolean durationsKnown = true;
        boolean firstTrun = true;
        while (traf.remaining() > 0) {
            Cursor box = traf.box();
            switch (box.type) {
                case "tfhd" -> {
                    int flags = box.u32AsInt() & 0xFFFFFF;
                    trackId = box.u32();
                    if ((flags & TFHD_BASE_DATA_OFFSET) != 0) {
                        throw new IOException(box.where + ": track " + trackId
                                + " has an absolute base data offset, so its fragment cannot be moved into another file");
                    }
                    if ((flags & TFHD_SAMPLE_DESCRIPTION_INDEX) != 0) {
                        box.u32();
                    }
                    if ((flags & TFHD_DEFAULT_DURATION) != 0) {
                        defaultDuration = box.u32();
                    }
                    if ((flags & TFHD_DEFAULT_SIZE) != 0) {
                        box.u32();
                    }
                    if ((flags & TFHD_DEFAULT_FLAGS) != 0) {
                        defaultFlags = box.u32();
                    }
                }
                case "tfdt" -> {
                    int version = box.u8();
                    box.skip(3);
                    decodeTime = version == 1 ? box.u64() : box.u32();
                }
                case "trun" -> {
                    int version = box.u8();
                    int flags = box.u24();
                    long count = box.u32();
                    if ((flags & TRUN_DATA_OFFSET) != 0) {
                        box.u32();
                    }
                    long first = TrackFragment.UNKNOWN;
                    if ((flags & TRUN_FIRST_SAMPLE_FLAGS) != 0) {
                        first = box.u32();
                    }
                    int perSample = 4 * Integer.bitCount(flags & (TRUN_DURATION | TRUN_SIZE | TRUN_FLAGS | TRUN_COMPOSITION_OFFSET));
                    if (count * perSample > box.remaining()) {
                        throw new IOException(box.where + ": trun declares " + count + " samples of " + perSample
                                + " bytes but holds " + box.remaining());
                    }
                    for (long i = 0; i < count; i++) {
                        long sampleDuration;
                        if ((flags & TRUN_DURATION) != 0) {
                            sampleDuration = box.u32();
                            explicitDuration += sampleDuration;
                        } else {
                            sampleDuration = defaultDuration;
                            withoutDuration++;
                            durationsKnown &= defaultDuration != TrackFragment.UNKNOWN;
                        }
                        if ((flags & TRUN_SIZE) != 0) {
                            box.u32();
                        }
                        if ((flags & TRUN_FLAGS) != 0) {
                            long sampleFlags = box.u32();
                            if (i == 0 && first == TrackFragment.UNKNOWN) {
                                first = sampleFlags;
                            }
                        }
                        long compositionOffset = 0;
                        if ((flags & TRUN_COMPOSITION_OFFSET) != 0) {
                            // Unsigned in version 0, signed in version 1.
                            compositionOffset = version == 0 ? box.u32() : box.u32AsInt();
                        }
                        if (firstTrun && i == 0) {
                            firstPresentation = compositionOffset;
                        }
                        earliestPresentation = Math.min(earliestPresentation, elapsed + compositionOffset);
                        if (durationsKnown) {
                            elapsed += sampleDuration;
                        }
                    }
                    if (firstTrun && count > 0) {
                        firstSampleFlags = first;
                        firstTrun = false;
                    }
                    sampleCount += count;
                }
                default -> {
                }
            }
        }
        if (trackId < 0) {
            throw new IOException(traf.where + ": traf has no tfhd");
        }
        if (decodeTime < 0) {
            throw new IOException(traf.where + ": track " + trackId
                    + " has no tfdt (base media decode time), so it cannot be placed on the recording's timeline");
        }
        if (firstSampleFlags == TrackFragment.UNKNOWN) {
            firstSampleFlags = defaultFlags;
        }
        return new TrackFragment(trackId, decodeTime, sampleCount, explicitDuration, withoutDuration,
                defaultDuration, firstSampleFlags,
                durationsKnown && sampleCount > 0 ? earliestPresentation : firstPresentation);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Init segment and header

    private static final class Init {
        private final Path file;
        private final List<Box> topLevel;
        private final Box moov;
        private final long movieTimescale;
        private final Map<Long, Track> tracks = new LinkedHashMap<>();
        private final Map<Long, Trex> trex = new HashMap<>();

        private Init(Path file, List<Box> topLevel, Box moov, long movieTimescale) {
            this.file = file;
            this.topLevel = topLevel;
            this.moov = moov;
            this.movieTimescale = movieTimescale;
        }

        private record Track(long id, Box trak, long timescale, String handler) {
        }

        static Init read(Path file) throws IOException {
            List<Box> topLevel = new ArrayList<>();
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = channel.size();
                if (size > MAX_INIT) {
                    throw new IOException(file + " is too large for an init segment (" + size + " bytes)");
                }
                ByteBuffer all = readFully(channel, 0, size, file);
                Cursor cursor = new Cursor(all.array(), file.toString());
                while (cursor.remaining() > 0) {
                    Cursor box = cursor.box();
                    if (box.type.equals("moof") || box.type.equals("mdat")) {
                        throw new IOException(file + " is not an init segment: it holds media (" + box.type + ")");
                    }
                    if (!SEGMENT_ONLY.contains(box.type)) {
                        topLevel.add(Box.parse(box));
                    }
                }
            }
            Box moov = topLevel.stream().filter(box -> box.type.equals("moov")).findFirst()
                    .orElseThrow(() -> new IOException(file + " has no moov box"));
            Box mvhd = moov.require("mvhd", file);
            Init init = new Init(file, topLevel, moov, FullBoxTimes.timescale(mvhd, file));
            for (Box trak : moov.all("trak")) {
                long id = FullBoxTimes.trackId(trak.require("tkhd", file), file);
                Box mdia = trak.require("mdia", file);
                long timescale = FullBoxTimes.timescale(mdia.require("mdhd", file), file);
                String handler = mdia.child("hdlr").map(Init::handler).orElse("");
                init.tracks.put(id, new Track(id, trak, timescale, handler));
            }
            if (init.tracks.isEmpty()) {
                throw new IOException(file + " has no track");
            }
            Box mvex = moov.require("mvex", file);
            for (Box box : mvex.all("trex")) {
                Cursor trex = new Cursor(box.payload, file + ": trex");
                trex.skip(4);
                long trackId = trex.u32();
                trex.u32();
                long duration = trex.u32();
                trex.u32();
                long flags = trex.u32();
                init.trex.put(trackId, new Trex(duration, flags));
            }
            return init;
        }

        Track track(long id, Path segment) throws IOException {
            Track track = tracks.get(id);
            if (track == null) {
                throw new IOException(segment + " has track " + id + ", which " + file + " does not declare");
            }
            return track;
        }

        /**
         * The track's minf box as written: its sample descriptions (codecs and their configuration) and, in an init
         * segment, empty sample tables.
         */
        byte[] sampleDescription(Track track) throws IOException {
            return track.trak.require("mdia", file).require("minf", file).payload;
        }

        private static String handler(Box hdlr) {
            return hdlr.payload.length >= 12 ? new String(hdlr.payload, 8, 4, StandardCharsets.ISO_8859_1) : "";
        }

        /** The track that indexes the recording: the video track, else the first. */
        Track reference() {
            return tracks.values().stream().filter(track -> track.handler.equals("vide")).findFirst()
                    .orElse(tracks.values().iterator().next());
        }

        byte[] header(List<Segment> segments) throws IOException {
            Track reference = reference();
            int count = segments.size();
            Map<Long, Timeline> timelines = timelines(segments);
            long movieDuration = 0;
            for (Track track : tracks.values()) {
                long mediaEnd = timelines.get(track.id).end;
                long presented = presentedDuration(track, mediaEnd);
                movieDuration = Math.max(movieDuration, presented);
                FullBoxTimes.setDuration(track.trak.require("tkhd", file), presented, file);
                FullBoxTimes.setDuration(track.trak.require("mdia", file).require("mdhd", file), mediaEnd, file);
            }
            FullBoxTimes.setDuration(moov.require("mvhd", file), movieDuration, file);
            setFragmentDuration(moov.require("mvex", file), movieDuration);

            // The reference track's index first, then every other track that has samples in every segment.
            List<Track> indexed = new ArrayList<>(List.of(reference));
            for (Track track : tracks.values()) {
                if (track != reference && timelines.get(track.id).indexable()) {
                    indexed.add(track);
                }
            }
            List<byte[]> indexes = new ArrayList<>();
            for (Track track : indexed) {
                indexes.add(sidx(track, segments, timelines.get(track.id)));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Box box : topLevel) {
                box.write(out);
            }
            long following = indexes.stream().mapToLong(index -> index.length).sum();
            for (byte[] index : indexes) {
                following -= index.length;
                // first_offset (after size, type, version, reference_ID, timescale and earliest_presentation_time):
                // the bodies start after the indexes that follow this one.
                ByteBuffer.wrap(index).putLong(28, following);
                out.write(index, 0, index.length);
            }
            return out.toByteArray();
        }

        /** The movie header's duration the composed file gets: its longest track, edit lists applied. */
        Duration movieDuration(List<Segment> segments) throws IOException {
            Map<Long, Timeline> timelines = timelines(segments);
            long movieDuration = 0;
            for (Track track : tracks.values()) {
                movieDuration = Math.max(movieDuration, presentedDuration(track, timelines.get(track.id).end));
            }
            return Duration.ofNanos(rescale(movieDuration, movieTimescale, 1_000_000_000L));
        }

        /** Each track's samples per segment; fails unless the reference track is in every segment, in order. */
        private Map<Long, Timeline> timelines(List<Segment> segments) throws IOException {
            Track reference = reference();
            int count = segments.size();
            Map<Long, Timeline> timelines = new LinkedHashMap<>();
            for (Track track : tracks.values()) {
                timelines.put(track.id, new Timeline(count));
            }
            for (int i = 0; i < count; i++) {
                Segment segment = segments.get(i);
                for (TrackFragment fragment : segment.fragments) {
                    Timeline timeline = timelines.get(fragment.trackId);
                    if (timeline == null) {
                        throw new IOException(segment.file + " has track " + fragment.trackId + ", which " + file
                                + " does not declare");
                    }
                    if (fragment.sampleCount > 0) {
                        Trex defaults = trex.getOrDefault(fragment.trackId, new Trex(0, 0));
                        long start = fragment.baseMediaDecodeTime;
                        timeline.add(i, start, Math.addExact(start, fragment.duration(defaults)),
                                fragment.earliestPresentation, fragment.startsWithSync(defaults));
                    }
                }
            }
            Timeline indexing = timelines.get(reference.id);
            for (int i = 0; i < count; i++) {
                if (!indexing.present[i]) {
                    throw new IOException(segments.get(i).file + " has no sample of track " + reference.id + " ("
                            + reference.handler + "), which indexes the recording");
                }
                if (i > 0 && indexing.starts[i] <= indexing.starts[i - 1]) {
                    throw new IOException(segments.get(i).file + " starts at " + indexing.starts[i]
                            + ", not after the segment before it (" + indexing.starts[i - 1]
                            + "): segments out of order or repeated");
                }
            }
            return timelines;
        }

        /**
         * The track's duration in the movie timescale: its edit list applied to a media timeline that runs from 0
         * to {@code mediaEnd}. An edit of duration 0 (how FFmpeg writes fragmented files) lasts to the end.
         */
        private long presentedDuration(Track track, long mediaEnd) throws IOException {
            Optional<List<Edit>> edits = edits(track);
            if (edits.isEmpty()) {
                return rescale(mediaEnd, track.timescale, movieTimescale);
            }
            long total = 0;
            for (Edit edit : edits.get()) {
                if (edit.duration() == 0 && edit.mediaTime() >= 0) {
                    total += rescale(Math.max(0, mediaEnd - edit.mediaTime()), track.timescale, movieTimescale);
                } else {
                    total += edit.duration();
                }
            }
            return total;
        }

        /** One entry of a track's edit list: its duration (movie timescale) and where it starts in the media. */
        private record Edit(long duration, long mediaTime) {

            static final long EMPTY = -1;
        }

        /** The track's edit list, or empty if it has none. */
        private Optional<List<Edit>> edits(Track track) throws IOException {
            Box elst = track.trak.child("edts").flatMap(edts -> edts.child("elst")).orElse(null);
            if (elst == null) {
                return Optional.empty();
            }
            Cursor cursor = new Cursor(elst.payload, file + ": elst of track " + track.id);
            int version = cursor.u8();
            cursor.skip(3);
            long entries = cursor.u32();
            List<Edit> edits = new ArrayList<>();
            for (long i = 0; i < entries; i++) {
                long duration = version == 1 ? cursor.u64() : cursor.u32();
                long mediaTime = version == 1 ? cursor.s64() : (long) cursor.u32AsInt();
                cursor.skip(4);
                edits.add(new Edit(duration, mediaTime));
            }
            return Optional.of(edits);
        }

        private void setFragmentDuration(Box mvex, long duration) {
            boolean wide = duration > 0xFFFFFFFFL;
            ByteBuffer payload = ByteBuffer.allocate(wide ? 12 : 8);
            payload.putInt(wide ? 0x01000000 : 0);
            if (wide) {
                payload.putLong(duration);
            } else {
                payload.putInt((int) duration);
            }
            Box mehd = new Box("mehd", payload.array(), null);
            mvex.children.removeIf(box -> box.type.equals("mehd"));
            mvex.children.add(0, mehd);
        }

        /**
         * A version 1 sidx of one track over all bodies, its first_offset still 0. Its times are presentation
         * times, that is with the track's edit list applied (ISO/IEC 14496-12, 8.16.3.3), as FFmpeg compares them
         * with a seek target: with the decode times instead, FFmpeg's seek to a segment's start time picks that
         * segment although its first frame is presented a little later (FFmpeg's 21 ms video delay), finds no
         * keyframe before the target among the fragments it has read, and falls back to the file's start.
         *
         * <p>The last reference is shorter by the first presentation time: FFmpeg takes the first presentation time
         * plus all durations as the stream's duration (as if the stream started at 0, which is how its own muxer
         * writes sidx times) and then adds the stream's start time again, so without this a video that starts
         * 0.2 s after the sound would report a duration 0.2 s too long in FFmpeg and Chromium.
         */
        private byte[] sidx(Track track, List<Segment> segments, Timeline timeline) throws IOException {
            int count = segments.size();
            long shift = presentationShift(track);
            long[] presented = new long[count];
            for (int i = 0; i < count; i++) {
                presented[i] = Math.max(0, timeline.firstPresented[i] + shift);
            }
            ByteBuffer sidx = ByteBuffer.allocate(40 + 12 * count);
            sidx.putInt(40 + 12 * count).put(type("sidx"));
            sidx.putInt(0x01000000); // version 1: 64-bit earliest presentation time and first offset
            sidx.putInt((int) track.id);
            sidx.putInt((int) track.timescale);
            sidx.putLong(presented[0]);
            sidx.putLong(0);
            sidx.putShort((short) 0);
            sidx.putShort((short) count);
            for (int i = 0; i < count; i++) {
                Segment segment = segments.get(i);
                long size = segment.bodyLength();
                long duration = i + 1 < count ? presented[i + 1] - presented[i]
                        : Math.max(1, timeline.ends[i] - timeline.starts[i] - presented[0]);
                if (size > 0x7FFFFFFFL) {
                    throw new IOException(segment.file + " is too large for one index entry (" + size + " bytes)");
                }
                if (duration <= 0 || duration > 0xFFFFFFFFL) {
                    throw new IOException(segment.file + " has an impossible duration of " + duration
                            + " for track " + track.id + " (timescale " + track.timescale + ")");
                }
                sidx.putInt((int) size); // reference_type 0: media
                sidx.putInt((int) duration);
                sidx.putInt(timeline.sync[i] ? 0x90000000 : 0); // starts_with_SAP, SAP_type 1, SAP_delta_time 0
            }
            return sidx.array();
        }

        /**
         * What the edit list adds to a media time to give its presentation time, in the track's timescale: the empty
         * edits before the first media edit, less where that edit starts in the media.
         */
        private long presentationShift(Track track) throws IOException {
            long empty = 0;
            for (Edit edit : edits(track).orElse(List.of())) {
                if (edit.mediaTime() == Edit.EMPTY) {
                    empty += edit.duration();
                } else {
                    return rescale(empty, movieTimescale, track.timescale) - edit.mediaTime();
                }
            }
            return 0;
        }
    }

    /**
     * Where one track's samples lie in each segment: first decode time, end of the last sample, earliest composition
     * time, and whether the first sample is a sync sample.
     */
    private static final class Timeline {
        final long[] starts;
        final long[] ends;
        final long[] firstPresented;
        final boolean[] sync;
        final boolean[] present;
        /** End of the track's last sample on its media timeline. */
        long end;

        Timeline(int segments) {
            starts = new long[segments];
            ends = new long[segments];
            firstPresented = new long[segments];
            sync = new boolean[segments];
            present = new boolean[segments];
        }

        void add(int segment, long start, long stop, long presentationOffset, boolean startsWithSync) {
            if (!present[segment]) {
                present[segment] = true;
                starts[segment] = start;
                ends[segment] = stop;
                firstPresented[segment] = start + presentationOffset;
                sync[segment] = startsWithSync;
            } else {
                starts[segment] = Math.min(starts[segment], start);
                ends[segment] = Math.max(ends[segment], stop);
                firstPresented[segment] = Math.min(firstPresented[segment], start + presentationOffset);
            }
            end = Math.max(end, stop);
        }

        /** Present in every segment with increasing start times: then a sidx can describe it. */
        boolean indexable() {
            for (int i = 0; i < present.length; i++) {
                if (!present[i] || (i > 0 && starts[i] <= starts[i - 1])) {
                    return false;
                }
            }
            return true;
        }
    }

    private static long rescale(long value, long from, long to) {
        return BigInteger.valueOf(value).multiply(BigInteger.valueOf(to)).add(BigInteger.valueOf(from / 2))
                .divide(BigInteger.valueOf(from)).longValueExact();
    }

    /** Duration and timescale fields of mvhd, tkhd and mdhd, which move with the box version. */
    private static final class FullBoxTimes {

        static long timescale(Box box, Path file) throws IOException {
            Cursor cursor = new Cursor(box.payload, file + ": " + box.type);
            int version = cursor.u8();
            cursor.skip(3 + (version == 1 ? 16 : 8));
            long timescale = cursor.u32();
            if (timescale == 0) {
                throw new IOException(file + ": " + box.type + " has timescale 0");
            }
            return timescale;
        }

        static long trackId(Box tkhd, Path file) throws IOException {
            Cursor cursor = new Cursor(tkhd.payload, file + ": tkhd");
            int version = cursor.u8();
            cursor.skip(3 + (version == 1 ? 16 : 8));
            return cursor.u32();
        }

        /** Sets the duration, widening a version 0 box to version 1 if the value needs 64 bits. */
        static void setDuration(Box box, long duration, Path file) throws IOException {
            byte[] payload = box.payload;
            int version = payload.length > 0 ? payload[0] : -1;
            // Offset of the duration field after version and flags: creation and modification time, then
            // timescale (mvhd, mdhd) or track_ID + reserved (tkhd).
            int times = version == 1 ? 16 : 8;
            int offset = 4 + times + (box.type.equals("tkhd") ? 8 : 4);
            int width = version == 1 ? 8 : 4;
            if ((version != 0 && version != 1) || payload.length < offset + width) {
                throw new IOException(file + ": " + box.type + " is malformed (version " + version + ", "
                        + payload.length + " bytes)");
            }
            if (version == 0 && duration > 0xFFFFFFFFL) {
                ByteBuffer wide = ByteBuffer.allocate(payload.length + 12);
                ByteBuffer old = ByteBuffer.wrap(payload);
                wide.putInt(0x01000000 | (old.getInt() & 0xFFFFFF));
                wide.putLong(old.getInt() & 0xFFFFFFFFL);
                wide.putLong(old.getInt() & 0xFFFFFFFFL);
                int between = offset - 12; // timescale, or track_ID + reserved
                byte[] middle = new byte[between];
                old.get(middle);
                wide.put(middle);
                old.getInt();
                wide.putLong(duration);
                wide.put(old);
                box.payload = wide.array();
                return;
            }
            ByteBuffer buffer = ByteBuffer.wrap(payload);
            if (version == 1) {
                buffer.putLong(offset, duration);
            } else {
                buffer.putInt(offset, (int) duration);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Boxes

    /** A box of the init segment: a container with children, or a leaf with its payload (after the header). */
    private static final class Box {
        final String type;
        byte[] payload;
        final List<Box> children;

        Box(String type, byte[] payload, List<Box> children) {
            this.type = type;
            this.payload = payload;
            this.children = children;
        }

        static Box parse(Cursor box) throws IOException {
            if (INIT_CONTAINERS.contains(box.type)) {
                List<Box> children = new ArrayList<>();
                while (box.remaining() > 0) {
                    children.add(parse(box.box()));
                }
                return new Box(box.type, null, children);
            }
            return new Box(box.type, box.rest(), null);
        }

        Optional<Box> child(String wanted) {
            return children == null ? Optional.empty()
                    : children.stream().filter(box -> box.type.equals(wanted)).findFirst();
        }

        List<Box> all(String wanted) {
            return children == null ? List.of() : children.stream().filter(box -> box.type.equals(wanted)).toList();
        }

        Box require(String wanted, Path file) throws IOException {
            return child(wanted).orElseThrow(() -> new IOException(file + ": " + type + " has no " + wanted));
        }

        long size() {
            long content;
            if (children != null) {
                content = 0;
                for (Box child : children) {
                    content += child.size();
                }
            } else {
                content = payload.length;
            }
            return content + 8 > 0xFFFFFFFFL ? content + 16 : content + 8;
        }

        void write(ByteArrayOutputStream out) {
            long size = size();
            ByteBuffer header = ByteBuffer.allocate(16);
            if (size > 0xFFFFFFFFL) {
                header.putInt(1).put(type(type)).putLong(size);
            } else {
                header.putInt((int) size).put(type(type));
            }
            out.write(header.array(), 0, header.position());
            if (children != null) {
                for (Box child : children) {
                    child.write(out);
                }
            } else {
                out.write(payload, 0, payload.length);
            }
        }
    }

    private static byte[] type(String type) {
        return type.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A top-level box header read from a file. */
    private record BoxHeader(String type, long size, int headerSize) {

        static BoxHeader read(FileChannel channel, long position, long fileSize, Path file) throws IOException {
            if (fileSize - position < 8) {
                throw new IOException(file + " is truncated: " + (fileSize - position) + " stray bytes at " + position);
            }
            ByteBuffer header = readFully(channel, position, Math.min(16, fileSize - position), file);
            long size = header.getInt(0) & 0xFFFFFFFFL;
            String type = typeName(header.array(), 4);
            int headerSize = 8;
            if (size == 1) {
                if (header.limit() < 16) {
                    throw new IOException(file + " is truncated: box '" + type + "' at " + position + " has no 64-bit size");
                }
                size = header.getLong(8);
                headerSize = 16;
            } else if (size == 0) {
                size = fileSize - position;
            }
            if (size < headerSize) {
                throw new IOException(file + " is not an MP4 segment: box '" + type + "' at " + position
                        + " declares " + size + " bytes");
            }
            if (size > fileSize - position) {
                throw new IOException(file + " is truncated: box '" + type + "' at " + position + " declares " + size
                        + " bytes but only " + (fileSize - position) + " remain");
            }
            return new BoxHeader(type, size, headerSize);
        }
    }

    private static String typeName(byte[] bytes, int offset) {
        StringBuilder name = new StringBuilder(4);
        for (int i = 0; i < 4; i++) {
            int c = bytes[offset + i] & 0xFF;
            name.append(c >= 0x20 && c < 0x7F ? (char) c : '?');
        }
        return name.toString();
    }

    private static ByteBuffer readFully(FileChannel channel, long position, long length, Path file) throws IOException {
        if (length > Integer.MAX_VALUE - 16) {
            throw new IOException(file + ": " + length + " bytes at " + position + " are too many to read at once");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) length);
        while (buffer.hasRemaining()) {
            int read = channel.read(buffer, position + buffer.position());
            if (read < 0) {
                throw new IOException(file + " is truncated: ended at " + (position + buffer.position()));
            }
        }
        buffer.flip();
        return buffer;
    }

    /** Reads big-endian fields from a box's content, failing with a message rather than an index exception. */
    private static final class Cursor {
        private final byte[] bytes;
        private int position;
        private final int limit;
        final String where;
        final String type;

        Cursor(byte[] bytes, String where) {
            this(bytes, 0, bytes.length, where, "");
        }

        private Cursor(byte[] bytes, int position, int limit, String where, String type) {
            this.bytes = bytes;
            this.position = position;
            this.limit = limit;
            this.where = where;
            this.type = type;
        }

        int remaining() {
            return limit - position;
        }

        /** The next child box; this cursor moves past it. */
        Cursor box() throws IOException {
            int start = position;
            need(8, "a box header");
            long size = u32();
            String name = typeName(bytes, position);
            position += 4;
            int header = 8;
            if (size == 1) {
                need(8, "the 64-bit size of '" + name + "'");
                size = u64();
                header = 16;
            } else if (size == 0) {
                size = limit - start;
            }
            if (size < header || size > limit - start) {
                throw new IOException(where + ": box '" + name + "' at +" + start + " declares " + size
                        + " bytes, but " + (limit - start) + " remain");
            }
            Cursor child = new Cursor(bytes, start + header, start + (int) size, where + "/" + name, name);
            position = start + (int) size;
            return child;
        }

        byte[] rest() {
            byte[] copy = Arrays.copyOfRange(bytes, position, limit);
            position = limit;
            return copy;
        }

        void skip(int count) throws IOException {
            need(count, count + " bytes");
            position += count;
        }

        int u8() throws IOException {
            need(1, "a byte");
            return bytes[position++] & 0xFF;
        }

        int u24() throws IOException {
            need(3, "3 bytes");
            int value = ((bytes[position] & 0xFF) << 16) | ((bytes[position + 1] & 0xFF) << 8) | (bytes[position + 2] & 0xFF);
            position += 3;
            return value;
        }

        long u32() throws IOException {
            return u32AsInt() & 0xFFFFFFFFL;
        }

        int u32AsInt() throws IOException {
            need(4, "4 bytes");
            int value = ((bytes[position] & 0xFF) << 24) | ((bytes[position + 1] & 0xFF) << 16)
                    | ((bytes[position + 2] & 0xFF) << 8) | (bytes[position + 3] & 0xFF);
            position += 4;
            return value;
        }

        long s64() throws IOException {
            long high = u32();
            return (high << 32) | u32();
        }

        long u64() throws IOException {
            long value = s64();
            if (value < 0) {
                throw new IOException(where + ": 64-bit value out of range");
            }
            return value;
        }

        private void need(int count, String what) throws IOException {
            if (limit - position < count) {
                throw new IOException(where + " is truncated: expected " + what + " at +" + position + ", "
                        + (limit - position) + " bytes left");
            }
        }
    }

    /** Reads a list of byte ranges of one file, in order. */
    private static final class RangesInputStream extends InputStream {
        private final FileChannel channel;
        private final List<Range> ranges;
        private int index;
        private long positionInRange;

        RangesInputStream(FileChannel channel, List<Range> ranges) {
            this.channel = channel;
            this.ranges = ranges;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            Objects.checkFromIndexSize(offset, length, buffer.length);
            if (length == 0) {
                return 0;
            }
            while (index < ranges.size() && positionInRange == ranges.get(index).length()) {
                index++;
                positionInRange = 0;
            }
            if (index == ranges.size()) {
                return -1;
            }
            Range range = ranges.get(index);
            int wanted = (int) Math.min(length, range.length() - positionInRange);
            int read = channel.read(ByteBuffer.wrap(buffer, offset, wanted), range.offset() + positionInRange);
            if (read < 0) {
                throw new IOException("segment ended early: expected " + (range.length() - positionInRange)
                        + " more bytes at " + (range.offset() + positionInRange));
            }
            positionInRange += read;
            return read;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
