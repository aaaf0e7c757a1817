package dev.capstan.recorder.media;

import dev.capstan.recorder.demo.DemoMeeting;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Reads the demo meeting's clock strip ({@link DemoMeeting#CLOCK_STRIP}) from every frame of a recording: when
 * each recorded frame was drawn by the page. A frame whose strip does not read (its check fails) is left out.
 */
public final class PageClock {

    private static final int WIDTH = 640;
    private static final int HEIGHT = 360;
    private static final long WRAP_TENTHS = 1L << DemoMeeting.CLOCK_VALUE_BITS;

    /** One decoded frame: where it is in the file, and the wall-clock time the page showed in it. */
    public record Shown(double mediaSeconds, Instant clock) {
    }

    private PageClock() {
    }

    /** Every frame whose clock reads, in file order. Times are taken to be within 14 hours of now. */
    public static List<Shown> read(Path file) throws FrameGrabber.Exception {
        long nowTenths = Instant.now().toEpochMilli() / 100;
        List<Shown> shown = new ArrayList<>();
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile())) {
            grabber.setImageWidth(WIDTH);
            grabber.setImageHeight(HEIGHT);
            grabber.setPixelFormat(avutil.AV_PIX_FMT_GRAY8);
            grabber.start();
            Frame frame;
            while ((frame = grabber.grabImage()) != null) {
                long value = value(frame);
                if (value >= 0) {
                    shown.add(new Shown(frame.timestamp / 1e6, Instant.ofEpochMilli(near(value, nowTenths) * 100)));
                }
            }
        }
        return List.copyOf(shown);
    }

    /** The frames that show a time strictly between {@code from} and {@code to}. */
    public static List<Shown> between(List<Shown> frames, Instant from, Instant to) {
        return frames.stream().filter(f -> f.clock().isAfter(from) && f.clock().isBefore(to)).toList();
    }

    /** The frame showing the time closest to {@code moment}, and how far from it that time is. */
    public static Duration nearest(List<Shown> frames, Instant moment) {
        return frames.stream().map(f -> Duration.between(moment, f.clock()).abs()).min(Duration::compareTo)
                .orElse(Duration.ofDays(1));
    }

    /** The clock strip's value (tenths of a second modulo 2^20), or -1 if its check fails. */
    private static long value(Frame frame) {
        ByteBuffer pixels = (ByteBuffer) frame.image[0];
        int stride = frame.imageStride;
        double[] strip = DemoMeeting.CLOCK_STRIP;
        int bits = DemoMeeting.CLOCK_BITS;
        double blockWidth = (strip[1] - strip[0]) / bits;
        int y = (int) Math.round(HEIGHT * (strip[2] + strip[3]) / 2);
        long word = 0;
        for (int i = 0; i < bits; i++) {
            int x = (int) Math.round(WIDTH * (strip[0] + blockWidth * (i + 0.5)));
            int sum = 0;
            for (int dx = -2; dx <= 2; dx++) {
                sum += pixels.get(Math.min(HEIGHT - 1, y) * stride + x + dx) & 0xFF;
            }
            word = (word << 1) | (sum / 5 > 128 ? 1 : 0);
        }
        long value = word >> 4;
        long check = 0;
        for (long v = value; v > 0; v >>= 4) {
            check += v & 0xF;
        }
        return (check & 0xF) == (word & 0xF) ? value : -1;
    }

    /** The time in tenths of a second congruent to {@code value} modulo 2^20 and nearest to {@code reference}. */
    private static long near(long value, long reference) {
        long base = reference - Math.floorMod(reference, WRAP_TENTHS) + value;
        if (base - reference > WRAP_TENTHS / 2) {
            base -= WRAP_TENTHS;
        } else if (reference - base > WRAP_TENTHS / 2) {
            base += WRAP_TENTHS;
        }
        return base;
    }
}
