package dev.capstan.recorder.media;

import dev.capstan.recorder.demo.DemoMeeting;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import org.apache.commons.math3.complex.Complex;
import org.apache.commons.math3.transform.DftNormalization;
import org.apache.commons.math3.transform.FastFourierTransformer;
import org.apache.commons.math3.transform.TransformType;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * What a person would check in a recording, measured by decoding all of it with JavaCV: how long it is, how
 * smooth, whether the picture shows anything, which tones sound, and whether sound and picture line up.
 *
 * @param duration           container duration, seconds
 * @param repeatedFrameShare share of consecutive frames that are (nearly) identical: stale grabs
 * @param flashes            times (s) the demo page's sync marker turned white
 * @param beeps              times (s) the demo page's sync beep started
 * @param longestFrameGap    the longest time (s) between two consecutive video frames: a frozen picture
 */
public record MediaReport(
        Path file,
        double duration,
        int width,
        int height,
        long videoFrames,
        double videoDuration,
        double repeatedFrameShare,
        double meanLuma,
        double lumaSpread,
        List<Double> flashes,
        List<Double> beeps,
        int sampleRate,
        float[] audio,
        double longestFrameGap) {

    private static final int SCALED_WIDTH = 320;
    private static final int SCALED_HEIGHT = 180;
    /** Mean absolute difference (0..255) below which two scaled grey frames count as the same picture. */
    private static final double REPEAT_THRESHOLD = 0.3;
    private static final int SAMPLE_RATE = 48_000;

    /** Decodes the whole file; throws if it does not decode. */
    public static MediaReport of(Path file) throws FrameGrabber.Exception {
        int width;
        int height;
        double duration;
        try (FFmpegFrameGrabber probe = new FFmpegFrameGrabber(file.toFile())) {
            probe.start();
            width = probe.getImageWidth();
            height = probe.getImageHeight();
            duration = probe.getLengthInTime() / 1e6;
            probe.stop();
        }
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
            grabber.setImageWidth(SCALED_WIDTH);
            grabber.setImageHeight(SCALED_HEIGHT);
            grabber.setPixelFormat(avutil.AV_PIX_FMT_GRAY8);
            grabber.setSampleMode(FrameGrabber.SampleMode.FLOAT);
            grabber.setAudioChannels(1);
            grabber.setSampleRate(SAMPLE_RATE);
            grabber.start();
            return decode(grabber, file, width, height, duration);
        }
    }

    private static MediaReport decode(FFmpegFrameGrabber grabber, Path file, int width, int height, double duration)
            throws FrameGrabber.Exception {
        byte[] previous = null;
        long frames = 0;
        long repeats = 0;
        double lumaSum = 0;
        double lumaSquares = 0;
        double firstTs = -1;
        double lastTs = 0;
        double longestGap = 0;
        boolean wasFlashing = false;
        List<Double> flashes = new ArrayList<>();
        FloatList samples = new FloatList();
        double[] marker = DemoMeeting.SYNC_MARKER;
        Frame frame;
        while ((frame = grabber.grab()) != null) {
            if (frame.image != null) {
                double ts = frame.timestamp / 1e6;
                byte[] pixels = grey(frame);
                if (previous != null && meanAbsoluteDifference(previous, pixels) < REPEAT_THRESHOLD) {
                    repeats++;
                }
                double luma = mean(pixels, 0, 1, 0, 1);
                lumaSum += luma;
                lumaSquares += luma * luma;
                boolean flashing = mean(pixels, marker[0], marker[1], marker[2], marker[3]) > 128;
                if (flashing && !wasFlashing) {
                    flashes.add(ts);
                }
                wasFlashing = flashing;
                previous = pixels;
                frames++;
                if (firstTs >= 0) {
                    longestGap = Math.max(longestGap, ts - lastTs);
                }
                firstTs = firstTs < 0 ? ts : firstTs;
                lastTs = ts;
            } else if (frame.samples != null) {
                samples.add((FloatBuffer) frame.samples[0]);
            }
        }
        double frameInterval = frames > 1 ? (lastTs - firstTs) / (frames - 1) : 0;
        double mean = frames == 0 ? 0 : lumaSum / frames;
        double spread = frames == 0 ? 0 : Math.sqrt(Math.max(0, lumaSquares / frames - mean * mean));
        float[] audio = samples.toArray();
        return new MediaReport(file, duration, width, height, frames, lastTs - firstTs + frameInterval,
                frames > 1 ? (double) repeats / (frames - 1) : 0, mean, spread, List.copyOf(flashes),
                onsets(audio, DemoMeeting.BEEP_HZ), SAMPLE_RATE, audio, longestGap);
    }

    private static byte[] grey(Frame frame) {
        ByteBuffer buffer = ((ByteBuffer) frame.image[0]).duplicate();
        byte[] pixels = new byte[SCALED_WIDTH * SCALED_HEIGHT];
        for (int row = 0; row < SCALED_HEIGHT; row++) {
            buffer.position(row * frame.imageStride);
            buffer.get(pixels, row * SCALED_WIDTH, SCALED_WIDTH);
        }
        return pixels;
    }

    private static double meanAbsoluteDifference(byte[] a, byte[] b) {
        long sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.abs((a[i] & 0xff) - (b[i] & 0xff));
        }
        return (double) sum / a.length;
    }

    private static double mean(byte[] pixels, double x0, double x1, double y0, double y1) {
        int left = (int) (x0 * SCALED_WIDTH);
        int right = (int) (x1 * SCALED_WIDTH);
        int top = (int) (y0 * SCALED_HEIGHT);
        int bottom = (int) (y1 * SCALED_HEIGHT);
        long sum = 0;
        for (int y = top; y < bottom; y++) {
            for (int x = left; x < right; x++) {
                sum += pixels[y * SCALED_WIDTH + x] & 0xff;
            }
        }
        return (double) sum / Math.max(1, (right - left) * (bottom - top));
    }

    /** Start times of bursts of a tone: where its power (Goertzel, 5 ms windows, 1 ms hops) rises past a quarter of its peak. */
    public static List<Double> onsets(float[] audio, double hz) {
        int window = SAMPLE_RATE / 200;
        int hop = SAMPLE_RATE / 1000;
        int count = Math.max(0, (audio.length - window) / hop);
        double[] power = new double[count];
        double peak = 0;
        for (int i = 0; i < count; i++) {
            power[i] = goertzel(audio, i * hop, window, hz);
            peak = Math.max(peak, power[i]);
        }
        List<Double> onsets = new ArrayList<>();
        double threshold = peak / 4;
        double lastOnset = -1;
        for (int i = 1; i < count; i++) {
            double t = (double) i * hop / SAMPLE_RATE;
            if (power[i] >= threshold && power[i - 1] < threshold && (lastOnset < 0 || t - lastOnset > 0.5)) {
                onsets.add(t);
                lastOnset = t;
            }
        }
        return onsets;
    }

    private static double goertzel(float[] x, int from, int length, double hz) {
        double coefficient = 2 * Math.cos(2 * Math.PI * hz / SAMPLE_RATE);
        double s1 = 0;
        double s2 = 0;
        for (int i = from; i < from + length; i++) {
            double s0 = x[i] + coefficient * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        return s1 * s1 + s2 * s2 - coefficient * s1 * s2;
    }

    public double averageFps() {
        return videoDuration > 0 ? videoFrames / videoDuration : 0;
    }

    /**
     * The longest stretch (s) of silence in the sound, the first and last quarter second aside (the audio delay
     * starts the file with silence). The demo page always sounds its tile tones: silence there is lost sound.
     */
    public double longestSilence() {
        int window = sampleRate / 100;
        int edge = sampleRate / 4;
        int longest = 0;
        int run = 0;
        for (int start = edge; start + window <= audio.length - edge; start += window) {
            double energy = 0;
            for (int i = start; i < start + window; i++) {
                energy += audio[i] * audio[i];
            }
            run = Math.sqrt(energy / window) < 1e-3 ? run + 1 : 0;
            longest = Math.max(longest, run);
        }
        return (double) longest * window / sampleRate;
    }

    /** Frames that show a new picture (not a repeat of the one before), per second. */
    public double distinctFps() {
        double distinct = videoFrames - repeatedFrameShare * Math.max(0, videoFrames - 1);
        return videoDuration > 0 ? distinct / videoDuration : 0;
    }

    /** Not black, and not one flat colour either. */
    public boolean hasPicture() {
        return meanLuma > 20 && lumaSpread > 1;
    }

    /** How far a tone stands above the spectrum's median, in dB (averaged 8192-point spectra). */
    public double toneLevelDb(double hz) {
        double[] spectrum = spectrum();
        int bin = (int) Math.round(hz * SPECTRUM_SIZE / sampleRate);
        double peak = 0;
        for (int i = Math.max(0, bin - 2); i <= Math.min(spectrum.length - 1, bin + 2); i++) {
            peak = Math.max(peak, spectrum[i]);
        }
        double[] sorted = spectrum.clone();
        Arrays.sort(sorted);
        double median = Math.max(sorted[sorted.length / 2], 1e-12);
        return 10 * Math.log10(peak / median);
    }

    /** The loudest frequency, in Hz. */
    public double dominantFrequency() {
        double[] spectrum = spectrum();
        int best = 1;
        for (int i = 1; i < spectrum.length; i++) {
            if (spectrum[i] > spectrum[best]) {
                best = i;
            }
        }
        return (double) best * sampleRate / SPECTRUM_SIZE;
    }

    private static final int SPECTRUM_SIZE = 8192;

    private double[] spectrum() {
        double[] power = new double[SPECTRUM_SIZE / 2];
        FastFourierTransformer fft = new FastFourierTransformer(DftNormalization.STANDARD);
        int blocks = 0;
        for (int start = 0; start + SPECTRUM_SIZE <= audio.length; start += SPECTRUM_SIZE) {
            double[] block = new double[SPECTRUM_SIZE];
            for (int i = 0; i < SPECTRUM_SIZE; i++) {
                double hann = 0.5 - 0.5 * Math.cos(2 * Math.PI * i / (SPECTRUM_SIZE - 1));
                block[i] = audio[start + i] * hann;
            }
            Complex[] bins = fft.transform(block, TransformType.FORWARD);
            for (int i = 0; i < power.length; i++) {
                power[i] += bins[i].abs() * bins[i].abs();
            }
            blocks++;
        }
        if (blocks > 0) {
            for (int i = 0; i < power.length; i++) {
                power[i] /= blocks;
            }
        }
        return power;
    }

    /**
     * How much later the sound of each sync pulse comes than its flash, in milliseconds (median over pulses);
     * negative means sound comes first. Empty if the recording has no pulses to pair.
     */
    public OptionalDouble avOffsetMillis() {
        List<Double> offsets = new ArrayList<>();
        for (double beep : beeps) {
            flashes.stream()
                    .map(flash -> beep - flash)
                    .filter(offset -> Math.abs(offset) < 0.5)
                    .min((a, b) -> Double.compare(Math.abs(a), Math.abs(b)))
                    .ifPresent(offsets::add);
        }
        if (offsets.isEmpty()) {
            return OptionalDouble.empty();
        }
        double[] sorted = offsets.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return OptionalDouble.of(sorted[sorted.length / 2] * 1000);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "%s: %.2f s, %dx%d, %d frames (%.2f fps, longest gap %.3f s), %.1f%% repeated, longest silence %.2f s, luma %.0f±%.0f, %d flashes, %d beeps, A/V %s ms",
                file.getFileName(), duration, width, height, videoFrames, averageFps(), longestFrameGap,
                repeatedFrameShare * 100, longestSilence(),
                meanLuma, lumaSpread, flashes.size(), beeps.size(),
                avOffsetMillis().isPresent() ? String.format(java.util.Locale.ROOT, "%+.0f", avOffsetMillis().getAsDouble()) : "n/a");
    }

    /** A growable float array, to collect decoded audio without boxing. */
    private static final class FloatList {
        private float[] values = new float[SAMPLE_RATE * 16];
        private int size;

        void add(FloatBuffer buffer) {
            FloatBuffer source = buffer.duplicate();
            int n = source.remaining();
            if (size + n > values.length) {
                values = Arrays.copyOf(values, Math.max(values.length * 2, size + n));
            }
            source.get(values, size, n);
            size += n;
        }

        float[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
