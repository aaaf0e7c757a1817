package dev.capstan.storage.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The box arithmetic of {@link FragmentedMp4} on the first two segments of a real 10 s capture (720p30 H.264 with
 * composition offsets, AAC 48 kHz; the video starts 221 ms after the sound through an edit list), and on small
 * hand-made fragments for the flag combinations FFmpeg does not write. Playback is tested in the recorder module
 * ({@code IndexedRecordingTest}).
 */
class FragmentedMp4Test {

    /** styp (24 bytes) and two sidx boxes (52 bytes each) precede the moof in every FFmpeg segment. */
    private static final int SEGMENT_PREFIX = 24 + 52 + 52;

    private final Path init = resource("init.mp4");
    private final Path seg0 = resource("seg_00000.m4s");
    private final Path seg1 = resource("seg_00001.m4s");

    @Test
    void bodyIsTheSegmentFromItsMoofOn() throws IOException {
        for (Path segment : List.of(seg0, seg1)) {
            byte[] file = Files.readAllBytes(segment);
            assertThat(FragmentedMp4.bodyLength(segment)).isEqualTo(file.length - SEGMENT_PREFIX);
            try (InputStream body = FragmentedMp4.body(segment)) {
                assertThat(body.readAllBytes()).isEqualTo(Arrays.copyOfRange(file, SEGMENT_PREFIX, file.length));
            }
            FragmentedMp4.Segment inspected = FragmentedMp4.inspect(segment);
            assertThat(inspected.bodyRanges())
                    .containsExactly(new FragmentedMp4.Range(SEGMENT_PREFIX, file.length - SEGMENT_PREFIX));
            assertThat(type(file, SEGMENT_PREFIX)).isEqualTo("moof");
        }
    }

    @Test
    void headerIsTheInitWithDurationsThenOneIndexPerTrack() throws IOException {
        byte[] header = FragmentedMp4.header(init, List.of(seg0, seg1));
        byte[] initBytes = Files.readAllBytes(init);

        List<Box> top = Box.list(header, 0, header.length);
        assertThat(top).extracting(Box::type).containsExactly("ftyp", "moov", "sidx", "sidx");
        Box moov = top.get(1);
        // The moov grows by the mehd box (16 bytes) and nothing else.
        assertThat(moov.size).isEqualTo(Box.list(initBytes, 0, initBytes.length).get(1).size + 16);

        // Sound: 101 + 94 AAC frames of 1024 samples = 199680 / 48000 = 4.16 s. Picture: 221 ms of empty edit, then
        // 120 frames of 512 (15360 Hz) from media time 1024: 61440 - 1024 = 60416 -> 3.933 s.
        assertThat(u32(header, moov.child(header, "mvhd").payload + 16)).isEqualTo(4160);
        Box mvex = moov.child(header, "mvex");
        Box mehd = mvex.children(header).get(0);
        assertThat(mehd.type).isEqualTo("mehd");
        assertThat(u32(header, mehd.payload + 4)).isEqualTo(4160);
        List<Box> traks = moov.children(header).stream().filter(box -> box.type.equals("trak")).toList();
        assertThat(u32(header, traks.get(0).child(header, "tkhd").payload + 20)).isEqualTo(221 + 3933);
        assertThat(u32(header, traks.get(0).child(header, "mdia").child(header, "mdhd").payload + 16)).isEqualTo(61440);
        assertThat(u32(header, traks.get(1).child(header, "tkhd").payload + 20)).isEqualTo(4160);
        assertThat(u32(header, traks.get(1).child(header, "mdia").child(header, "mdhd").payload + 16)).isEqualTo(199680);

        long body0 = FragmentedMp4.bodyLength(seg0);
        long body1 = FragmentedMp4.bodyLength(seg1);
        Sidx video = Sidx.read(header, top.get(2));
        // The first picture is presented at 221 ms: empty edit 3395 (of 15360) - media time 1024 + its composition
        // offset 1024. The last reference is shorter by that time (see the class comment).
        assertThat(video.referenceId).isEqualTo(1);
        assertThat(video.timescale).isEqualTo(15360);
        assertThat(video.earliestPresentationTime).isEqualTo(3395);
        assertThat(video.firstOffset).isEqualTo(top.get(3).size);
        assertThat(video.sizes).containsExactly(body0, body1);
        assertThat(video.durations).containsExactly(30720L, 30720L - 3395);
        assertThat(video.saps).containsExactly(0x90000000L, 0x90000000L);

        Sidx audio = Sidx.read(header, top.get(3));
        assertThat(audio.referenceId).isEqualTo(2);
        assertThat(audio.timescale).isEqualTo(48000);
        assertThat(audio.earliestPresentationTime).isZero();
        assertThat(audio.firstOffset).isZero();
        assertThat(audio.sizes).containsExactly(body0, body1);
        assertThat(audio.durations).containsExactly(103424L, 96256L);

        // Each index reaches exactly to the end of the composed file.
        long end = top.get(3).offset + top.get(3).size + body0 + body1;
        assertThat(top.get(2).offset + top.get(2).size + video.firstOffset + body0 + body1).isEqualTo(end);
    }

    @Test
    void composedFileIsHeaderThenBodies() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FragmentedMp4.compose(init, List.of(seg0, seg1), out);
        byte[] composed = out.toByteArray();
        byte[] header = FragmentedMp4.header(init, List.of(seg0, seg1));
        byte[] s0 = Files.readAllBytes(seg0);
        byte[] s1 = Files.readAllBytes(seg1);

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(header);
        expected.write(s0, SEGMENT_PREFIX, s0.length - SEGMENT_PREFIX);
        expected.write(s1, SEGMENT_PREFIX, s1.length - SEGMENT_PREFIX);
        assertThat(composed).isEqualTo(expected.toByteArray());
        assertThat(FragmentedMp4.composedLength(init, List.of(FragmentedMp4.inspect(seg0), FragmentedMp4.inspect(seg1))))
                .isEqualTo(composed.length);
        assertThat(Box.list(composed, 0, composed.length)).extracting(Box::type)
                .containsExactly("ftyp", "moov", "sidx", "sidx", "moof", "mdat", "moof", "mdat");
    }

    @Test
    void headerDependsOnlyOnWhatIsKnownAtTheEnd() throws IOException {
        // Inspected early (as an uploader would) or read at the end: the same bytes.
        byte[] late = FragmentedMp4.header(init, List.of(seg0, seg1));
        byte[] early = FragmentedMp4.headerOf(init, List.of(FragmentedMp4.inspect(seg0), FragmentedMp4.inspect(seg1)));
        assertThat(early).isEqualTo(late);
        // One segment alone is a recording too.
        byte[] single = FragmentedMp4.header(init, List.of(seg0));
        Sidx video = Sidx.read(single, Box.list(single, 0, single.length).get(2));
        assertThat(video.durations).containsExactly(30720L - 3395);
    }

    @Test
    void segmentStartTimesComeFromTheVideoTfdt() throws IOException {
        assertThat(FragmentedMp4.startTime(init, seg0)).isEqualTo(Duration.ZERO);
        assertThat(FragmentedMp4.startTime(init, seg1)).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void refusesBrokenInputWithAReason(@TempDir Path dir) throws IOException {
        byte[] s0 = Files.readAllBytes(seg0);

        Path truncated = write(dir, "truncated.m4s", Arrays.copyOf(s0, s0.length - 1000));
        assertThatThrownBy(() -> FragmentedMp4.bodyLength(truncated))
                .isInstanceOf(IOException.class).hasMessageContaining("truncated").hasMessageContaining("mdat");

        Path cutInMoof = write(dir, "cut-in-moof.m4s", Arrays.copyOf(s0, SEGMENT_PREFIX + 300));
        assertThatThrownBy(() -> FragmentedMp4.inspect(cutInMoof))
                .isInstanceOf(IOException.class).hasMessageContaining("truncated").hasMessageContaining("moof");

        byte[] noise = new byte[4096];
        new java.util.Random(7).nextBytes(noise);
        Path garbage = write(dir, "garbage.m4s", noise);
        assertThatThrownBy(() -> FragmentedMp4.inspect(garbage)).isInstanceOf(IOException.class)
                .hasMessageContaining("garbage.m4s");

        Path empty = write(dir, "empty.m4s", new byte[0]);
        assertThatThrownBy(() -> FragmentedMp4.inspect(empty)).isInstanceOf(IOException.class)
                .hasMessageContaining("no moof");

        Path stray = write(dir, "stray.m4s", Arrays.copyOf(s0, s0.length + 5));
        assertThatThrownBy(() -> FragmentedMp4.inspect(stray)).isInstanceOf(IOException.class)
                .hasMessageContaining("stray bytes");

        // The video traf without its tfdt (renamed to a box nobody reads).
        byte[] noTfdt = s0.clone();
        int tfdt = indexOf(noTfdt, "tfdt");
        System.arraycopy("free".getBytes(StandardCharsets.ISO_8859_1), 0, noTfdt, tfdt + 4, 4);
        Path withoutTfdt = write(dir, "no-tfdt.m4s", noTfdt);
        assertThatThrownBy(() -> FragmentedMp4.inspect(withoutTfdt)).isInstanceOf(IOException.class)
                .hasMessageContaining("no tfdt").hasMessageContaining("track 1");

        // A trun that claims more samples than it holds.
        byte[] shortTrun = s0.clone();
        int trun = indexOf(shortTrun, "trun");
        ByteBuffer.wrap(shortTrun).putInt(trun + 12, 100_000); // sample_count, after size, type, version and flags
        Path badTrun = write(dir, "bad-trun.m4s", shortTrun);
        assertThatThrownBy(() -> FragmentedMp4.inspect(badTrun)).isInstanceOf(IOException.class)
                .hasMessageContaining("trun declares 100000 samples");

        // An absolute base data offset would point into the segment file, not the composed one.
        byte[] absolute = s0.clone();
        int tfhd = indexOf(absolute, "tfhd");
        absolute[tfhd + 11] |= 0x01; // lowest byte of the flags
        Path absoluteOffset = write(dir, "absolute.m4s", absolute);
        assertThatThrownBy(() -> FragmentedMp4.inspect(absoluteOffset)).isInstanceOf(IOException.class)
                .hasMessageContaining("absolute base data offset");

        assertThatThrownBy(() -> FragmentedMp4.header(init, List.of(seg1, seg0))).isInstanceOf(IOException.class)
                .hasMessageContaining("out of order");
        assertThatThrownBy(() -> FragmentedMp4.header(init, List.of(seg0, seg0))).isInstanceOf(IOException.class)
                .hasMessageContaining("out of order");
        assertThatThrownBy(() -> FragmentedMp4.header(init, List.of())).isInstanceOf(IOException.class)
                .hasMessageContaining("no media segment");
        assertThatThrownBy(() -> FragmentedMp4.header(seg0, List.of(seg0))).isInstanceOf(IOException.class)
                .hasMessageContaining("not an init segment");
        byte[] initBytes = Files.readAllBytes(init);
        Path initWithoutMoov = write(dir, "no-moov.mp4", Arrays.copyOf(initBytes, 28));
        assertThatThrownBy(() -> FragmentedMp4.header(initWithoutMoov, List.of(seg0))).isInstanceOf(IOException.class)
                .hasMessageContaining("no moov");
        Path initTruncated = write(dir, "init-truncated.mp4", Arrays.copyOf(initBytes, 700));
        assertThatThrownBy(() -> FragmentedMp4.header(initTruncated, List.of(seg0))).isInstanceOf(IOException.class)
                .hasMessageContaining("init-truncated.mp4");
    }

    @Test
    void bodyNoticesASegmentThatChangedAfterInspection(@TempDir Path dir) throws IOException {
        Path copy = write(dir, "seg.m4s", Files.readAllBytes(seg0));
        FragmentedMp4.Segment inspected = FragmentedMp4.inspect(copy);
        Files.write(copy, new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);
        assertThatThrownBy(inspected::openBody).isInstanceOf(IOException.class).hasMessageContaining("changed");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Hand-made fragments: durations from trex, from trun, and sync flags from the various places.

    @Test
    void sampleDurationsComeFromTrunThenTfhdThenTrex(@TempDir Path dir) throws IOException {
        // One video track, timescale 1000, trex default duration 40, default flags "non-sync".
        Path syntheticInit = write(dir, "init.mp4", Synthetic.init(1000, 40, 0x00010000));
        // Segment 0: durations from trex (no tfhd default, no per-sample duration), first-sample-flags sync.
        Path a = write(dir, "a.m4s", Synthetic.segment(0, 0, -1, -1, 5, null, 0x02000000L));
        // Segment 1: per-sample durations in the trun, version 0 tfdt, no first-sample flags: trex says non-sync.
        Path b = write(dir, "b.m4s", Synthetic.segment(200, 0, -1, -1, 3, new long[] {30, 30, 50}, null));
        // Segment 2: tfhd default duration 20 and tfhd default flags sync; version 1 tfdt.
        Path c = write(dir, "c.m4s", Synthetic.segment(310, 1, 20, 0x02000000L, 4, null, null));

        byte[] header = FragmentedMp4.header(syntheticInit, List.of(a, b, c));
        List<Box> top = Box.list(header, 0, header.length);
        assertThat(top).extracting(Box::type).containsExactly("ftyp", "moov", "sidx");
        Sidx sidx = Sidx.read(header, top.get(2));
        assertThat(sidx.earliestPresentationTime).isZero();
        assertThat(sidx.durations).containsExactly(200L, 110L, 80L);
        assertThat(sidx.saps).containsExactly(0x90000000L, 0L, 0x90000000L);
        assertThat(sidx.sizes).containsExactly(FragmentedMp4.bodyLength(a), FragmentedMp4.bodyLength(b),
                FragmentedMp4.bodyLength(c));
        // No edit list: the track lasts until its last sample ends (390 ms).
        Box moov = top.get(1);
        assertThat(u32(header, moov.child(header, "mvhd").payload + 16)).isEqualTo(390);
        Box trak = moov.child(header, "trak");
        assertThat(u32(header, trak.child(header, "mdia").child(header, "mdhd").payload + 16)).isEqualTo(390);
        // These segments have no styp or sidx: the body is the whole file.
        assertThat(FragmentedMp4.bodyLength(a)).isEqualTo(Files.size(a));
    }

    @Test
    void durationsBeyond32BitsWidenTheBoxes(@TempDir Path dir) throws IOException {
        // A 90 kHz track whose fragment starts at 2^32 + 10: mdhd needs 64 bits (mvhd in ms does not).
        Path syntheticInit = write(dir, "init.mp4", Synthetic.init(90_000, 3000, 0));
        long start = (1L << 32) + 10;
        Path a = write(dir, "a.m4s", Synthetic.segment(start, 1, -1, -1, 10, null, 0x02000000L));
        byte[] header = FragmentedMp4.header(syntheticInit, List.of(a));
        Box moov = Box.list(header, 0, header.length).get(1);
        Box mdhd = moov.child(header, "trak").child(header, "mdia").child(header, "mdhd");
        assertThat(header[mdhd.payload]).isEqualTo((byte) 1);
        assertThat(ByteBuffer.wrap(header).getLong(mdhd.payload + 24)).isEqualTo(start + 30_000);
        assertThat(ByteBuffer.wrap(header).getInt(mdhd.payload + 20)).isEqualTo(90_000);
        Sidx sidx = Sidx.read(header, Box.list(header, 0, header.length).get(2));
        assertThat(sidx.earliestPresentationTime).isEqualTo(start);
    }

    // ---------------------------------------------------------------------------------------------------------

    @Test
    void aRunOfSegmentsLastsUntilTheEndOfItsLastSegment() throws Exception {
        // One segment ends where the next starts (within a frame); two end after the second one's start.
        Duration first = FragmentedMp4.duration(init, List.of(seg0));
        Duration secondStart = FragmentedMp4.startTime(init, seg1);
        assertThat(Math.abs(first.minus(secondStart).toMillis())).as("%s vs %s", first, secondStart)
                .isLessThanOrEqualTo(34);
        Duration both = FragmentedMp4.duration(init, List.of(seg0, seg1));
        assertThat(both).isGreaterThan(secondStart.plusSeconds(1)).isLessThan(secondStart.plusSeconds(3));
        assertThat(FragmentedMp4.duration(init, List.of())).isZero();
    }

    @Test
    void aSegmentLastsFromItsFirstSampleToTheEndOfItsLast() throws Exception {
        // Each segment's own length adds up to the run's: a live playlist's EXTINFs sum to the recording's length.
        Duration first = FragmentedMp4.segmentDuration(init, seg0);
        Duration second = FragmentedMp4.segmentDuration(init, seg1);
        assertThat(first).isEqualTo(FragmentedMp4.duration(init, List.of(seg0)));
        assertThat(second).isEqualTo(FragmentedMp4.duration(init, List.of(seg0, seg1))
                .minus(FragmentedMp4.startTime(init, seg1)));
        assertThat(first.plus(second).toMillis()).isCloseTo(FragmentedMp4.duration(init, List.of(seg0, seg1))
                .toMillis(), within(34L));
    }

    @Test
    void theFilePlaysAsLongAsItsLongestTrackAsTheHeaderSays() throws Exception {
        // The header's movie duration (4.160 s: the sound, longer than the picture's 221 ms edit + 3.933 s).
        assertThat(FragmentedMp4.playedDuration(init, List.of(seg0, seg1))).isEqualTo(Duration.ofMillis(4160));
        assertThat(FragmentedMp4.playedDuration(init, List.of(seg0, seg1)))
                .isGreaterThan(FragmentedMp4.duration(init, List.of(seg0, seg1)));
        assertThat(FragmentedMp4.playedDuration(init, List.of())).isZero();
    }

    private static Path resource(String name) {
        try {
            return Path.of(FragmentedMp4Test.class.getResource("/media/demo/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path write(Path dir, String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    /** Where the first box of this type starts (its size field). */
    private static int indexOf(byte[] bytes, String type) {
        byte[] wanted = type.getBytes(StandardCharsets.ISO_8859_1);
        outer:
        for (int i = 0; i + 4 <= bytes.length; i++) {
            for (int j = 0; j < 4; j++) {
                if (bytes[i + j] != wanted[j]) {
                    continue outer;
                }
            }
            return i - 4;
        }
        throw new AssertionError("no " + type);
    }

    private static String type(byte[] bytes, int offset) {
        return new String(bytes, offset + 4, 4, StandardCharsets.ISO_8859_1);
    }

    private static long u32(byte[] bytes, int offset) {
        return ByteBuffer.wrap(bytes).getInt(offset) & 0xFFFFFFFFL;
    }

    /** A box found in a byte array: where it starts, its size, and where its payload starts. */
    private record Box(String type, int offset, int size, int payload) {

        static List<Box> list(byte[] bytes, int from, int to) {
            List<Box> boxes = new ArrayList<>();
            int position = from;
            while (position < to) {
                int size = ByteBuffer.wrap(bytes).getInt(position);
                boxes.add(new Box(FragmentedMp4Test.type(bytes, position), position, size, position + 8));
                position += size;
            }
            assertThat(position).isEqualTo(to);
            return boxes;
        }

        List<Box> children(byte[] bytes) {
            return list(bytes, payload, offset + size);
        }

        Box child(byte[] bytes, String wanted) {
            return children(bytes).stream().filter(box -> box.type.equals(wanted)).findFirst().orElseThrow();
        }
    }

    private record Sidx(long referenceId, long timescale, long earliestPresentationTime, long firstOffset,
            List<Long> sizes, List<Long> durations, List<Long> saps) {

        static Sidx read(byte[] bytes, Box box) {
            assertThat(box.type).isEqualTo("sidx");
            ByteBuffer in = ByteBuffer.wrap(bytes, box.payload, box.size - 8);
            assertThat(in.getInt()).isEqualTo(0x01000000);
            long id = in.getInt() & 0xFFFFFFFFL;
            long timescale = in.getInt() & 0xFFFFFFFFL;
            long ept = in.getLong();
            long firstOffset = in.getLong();
            in.getShort();
            int count = in.getShort() & 0xFFFF;
            List<Long> sizes = new ArrayList<>();
            List<Long> durations = new ArrayList<>();
            List<Long> saps = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                sizes.add(in.getInt() & 0x7FFFFFFFL);
                durations.add(in.getInt() & 0xFFFFFFFFL);
                saps.add(in.getInt() & 0xFFFFFFFFL);
            }
            assertThat(in.remaining()).isZero();
            return new Sidx(id, timescale, ept, firstOffset, sizes, durations, saps);
        }
    }

    /** Minimal init and media segments with one video track (id 1), built box by box. */
    private static final class Synthetic {

        static byte[] init(int timescale, int trexDuration, int trexFlags) {
            byte[] mvhd = full("mvhd", 0, concat(u32s(0, 0, 1000, 0), new byte[80]));
            byte[] tkhd = full("tkhd", 3, concat(u32s(0, 0, 1, 0, 0), new byte[60]));
            byte[] mdhd = full("mdhd", 0, u32s(0, 0, timescale, 0, 0));
            byte[] hdlr = full("hdlr", 0, concat(u32s(0), "vide".getBytes(StandardCharsets.ISO_8859_1),
                    new byte[12], new byte[] {0}));
            byte[] trak = box("trak", concat(tkhd, box("mdia", concat(mdhd, hdlr))));
            byte[] trex = full("trex", 0, u32s(1, 1, trexDuration, 0, trexFlags));
            byte[] moov = box("moov", concat(mvhd, trak, box("mvex", trex)));
            byte[] ftyp = box("ftyp", concat("iso5".getBytes(StandardCharsets.ISO_8859_1), u32s(512)));
            return concat(ftyp, moov);
        }

        /**
         * @param tfhdDuration  default sample duration in the tfhd, or -1
         * @param tfhdFlags     default sample flags in the tfhd, or -1
         * @param durations     per-sample durations in the trun, or null
         * @param firstFlags    first-sample-flags in the trun, or null
         */
        static byte[] segment(long decodeTime, int tfdtVersion, long tfhdDuration, long tfhdFlags, int samples,
                long[] durations, Long firstFlags) {
            int flags = 0x020000 | 0x10 | (tfhdDuration >= 0 ? 0x08 : 0) | (tfhdFlags >= 0 ? 0x20 : 0);
            ByteArrayOutputStream tfhd = new ByteArrayOutputStream();
            tfhd.writeBytes(u32s(1));
            if (tfhdDuration >= 0) {
                tfhd.writeBytes(u32s(tfhdDuration));
            }
            tfhd.writeBytes(u32s(10)); // default sample size
            if (tfhdFlags >= 0) {
                tfhd.writeBytes(u32s(tfhdFlags));
            }
            byte[] tfdt = tfdtVersion == 1
                    ? full("tfdt", 0x01000000, ByteBuffer.allocate(8).putLong(decodeTime).array())
                    : full("tfdt", 0, u32s(decodeTime));
            int trunFlags = 0x01 | (firstFlags != null ? 0x04 : 0) | (durations != null ? 0x100 : 0);
            ByteArrayOutputStream trunBody = new ByteArrayOutputStream();
            trunBody.writeBytes(u32s(samples, 0)); // data offset patched below
            if (firstFlags != null) {
                trunBody.writeBytes(u32s(firstFlags));
            }
            for (int i = 0; durations != null && i < samples; i++) {
                trunBody.writeBytes(u32s(durations[i]));
            }
            byte[] traf = box("traf", concat(full("tfhd", flags, tfhd.toByteArray()), tfdt,
                    full("trun", trunFlags, trunBody.toByteArray())));
            byte[] moof = box("moof", concat(full("mfhd", 0, u32s(1)), traf));
            // Data offset: from the moof's start to the mdat's payload.
            int trunAt = indexOf(moof, "trun");
            ByteBuffer.wrap(moof).putInt(trunAt + 16, moof.length + 8);
            return concat(moof, box("mdat", new byte[10 * samples]));
        }

        private static byte[] box(String type, byte[] payload) {
            return ByteBuffer.allocate(8 + payload.length).putInt(8 + payload.length)
                    .put(type.getBytes(StandardCharsets.ISO_8859_1)).put(payload).array();
        }

        private static byte[] full(String type, int versionAndFlags, byte[] payload) {
            return box(type, concat(u32s(versionAndFlags), payload));
        }

        private static byte[] u32s(long... values) {
            ByteBuffer buffer = ByteBuffer.allocate(4 * values.length);
            for (long value : values) {
                buffer.putInt((int) value);
            }
            return buffer.array();
        }

        private static byte[] concat(byte[]... parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (byte[] part : parts) {
                out.writeBytes(part);
            }
            return out.toByteArray();
        }
    }
}
