package dev.capstan.recorder.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.recorder.capture.FfmpegBinary;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Thumbnails of an 8 s synthetic recording (testsrc2 720p30, four 2 s segments): a 320 x 180 JPEG of the moment
 * asked for, taken from one segment.
 */
@Tag("media")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThumbnailTest {

    private Path ffmpeg;
    private SegmentedRecording recording;
    private Path directory;

    @BeforeAll
    void record(@TempDir Path directory) throws Exception {
        this.directory = directory;
        ffmpeg = FfmpegBinary.bundled();
        recording = SyntheticRecording.make(directory.resolve("rec"), 8);
        assertThat(recording.completedSegments()).hasSize(4);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void takesTheFrameAtTheMomentFromItsSegment() throws Exception {
        Path target = directory.resolve("at-5s.jpg");
        long started = System.nanoTime();
        assertThat(Thumbnail.extract(ffmpeg, recording.initSegment(), recording.completedSegments(),
                Duration.ofMillis(5_000), target)).isEqualTo(target);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        System.out.println("thumbnail at 5 s: " + Files.size(target) + " bytes in " + millis + " ms");

        BufferedImage picture = ImageIO.read(target.toFile());
        assertThat(picture).as("a decodable JPEG").isNotNull();
        assertThat(picture.getWidth()).isEqualTo(320);
        assertThat(picture.getHeight()).isEqualTo(180);
        assertThat(meanLuma(picture)).as("not black").isGreaterThan(40);
        assertThat(hues(picture)).as("colourful, as testsrc2 is").isGreaterThanOrEqualTo(6);
        assertThat(Files.exists(directory.resolve("at-5s.jpg.part"))).isFalse();

        // testsrc2 moves: the thumbnail is the 5 s picture, not one from elsewhere in the recording.
        double same = difference(picture, frameAt(5.0));
        double earlier = difference(picture, frameAt(4.0));
        double later = difference(picture, frameAt(6.5));
        System.out.println("thumbnail vs frames at 5 s / 4 s / 6.5 s: " + same + " / " + earlier + " / " + later);
        assertThat(same).isLessThan(earlier / 2).isLessThan(later / 2);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aMomentPastTheEndGivesTheLastSegmentsPicture() throws Exception {
        Path target = directory.resolve("past-end.jpg");
        Thumbnail.extract(ffmpeg, recording.initSegment(), recording.completedSegments(), Duration.ofMinutes(5), target);
        BufferedImage picture = ImageIO.read(target.toFile());
        assertThat(picture.getWidth()).isEqualTo(320);
        // The last segment's first picture (6 s), not the recording's last (7.97 s) nor an earlier one.
        double same = difference(picture, frameAt(6.0));
        double others = Math.min(difference(picture, frameAt(2.0)), difference(picture, frameAt(7.9)));
        System.out.println("past-end thumbnail vs frames at 6 s / nearest other: " + same + " / " + others);
        assertThat(same).isLessThan(others * 0.75);
    }

    @Test
    void noSegmentIsAClearError() {
        assertThatThrownBy(() -> Thumbnail.extract(ffmpeg, recording.initSegment(), List.of(), Duration.ZERO,
                directory.resolve("none.jpg")))
                .isInstanceOf(IOException.class).hasMessageContaining("no media segment");
    }

    /** The recording's frame at a time, decoded from the plain concatenation and scaled like the thumbnail. */
    private BufferedImage frameAt(double seconds) throws Exception {
        Path plain = directory.resolve("plain.mp4");
        if (!Files.exists(plain)) {
            SyntheticRecording.concatenated(recording, plain);
        }
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(plain.toFile());
                Java2DFrameConverter converter = new Java2DFrameConverter()) {
            grabber.setImageWidth(320);
            grabber.setImageHeight(180);
            grabber.setPixelFormat(avutil.AV_PIX_FMT_BGR24);
            grabber.start();
            grabber.setVideoTimestamp((long) (seconds * 1e6));
            Frame frame = grabber.grabImage();
            BufferedImage image = converter.convert(frame);
            BufferedImage copy = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
            copy.getGraphics().drawImage(image, 0, 0, null);
            return copy;
        }
    }

    /** Mean absolute difference of the RGB channels, 0..255. */
    private static double difference(BufferedImage a, BufferedImage b) {
        assertThat(b.getWidth()).isEqualTo(a.getWidth());
        assertThat(b.getHeight()).isEqualTo(a.getHeight());
        long sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    sum += Math.abs(((p >> shift) & 0xFF) - ((q >> shift) & 0xFF));
                }
            }
        }
        return sum / (3.0 * a.getWidth() * a.getHeight());
    }

    private static double meanLuma(BufferedImage image) {
        double sum = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                sum += 0.299 * ((rgb >> 16) & 0xFF) + 0.587 * ((rgb >> 8) & 0xFF) + 0.114 * (rgb & 0xFF);
            }
        }
        return sum / (image.getWidth() * image.getHeight());
    }

    /** How many of twelve hue sectors hold saturated, bright pixels. */
    private static int hues(BufferedImage image) {
        Set<Integer> sectors = new HashSet<>();
        float[] hsb = new float[3];
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                java.awt.Color.RGBtoHSB((rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF, hsb);
                if (hsb[1] > 0.5 && hsb[2] > 0.3) {
                    sectors.add((int) (hsb[0] * 12) % 12);
                }
            }
        }
        return sectors.size();
    }
}
