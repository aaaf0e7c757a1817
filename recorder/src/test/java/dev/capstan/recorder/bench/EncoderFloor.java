package dev.capstan.recorder.bench;

import dev.capstan.recorder.process.ChildProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The cost of an encode alone: the same FFmpeg output settings fed from FFmpeg's own synthetic picture and tone
 * instead of a screen and a sound server, paced at real time. What a whole pipeline costs above this is the
 * browser, the display and the grab.
 *
 * <p>The picture is generated as bgr0, which is what x11grab delivers, so the colour conversion to yuv420p is
 * paid here as well.
 */
final class EncoderFloor {

    /** Sound first: the input order Capstan's output arguments expect (0 = sound, 1 = picture). */
    static List<String> soundThenPicture(int width, int height, int frameRate) {
        List<String> inputs = new ArrayList<>(sound());
        inputs.addAll(picture(width, height, frameRate));
        return inputs;
    }

    /** Picture first, as in Jibri's command (0 = picture, 1 = sound). */
    static List<String> pictureThenSound(int width, int height, int frameRate) {
        List<String> inputs = new ArrayList<>(picture(width, height, frameRate));
        inputs.addAll(sound());
        return inputs;
    }

    private static List<String> picture(int width, int height, int frameRate) {
        return List.of("-readrate", "1", "-f", "lavfi",
                "-i", "testsrc2=size=" + width + "x" + height + ":rate=" + frameRate + ",format=bgr0");
    }

    private static List<String> sound() {
        return List.of("-readrate", "1", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000");
    }

    /** What the run measured. */
    record Result(double seconds, ResourceMeter.Usage usage, double speed) {
    }

    /**
     * Runs {@code ffmpeg [inputs] [outputs]} for about {@code seconds} of media (the outputs must carry a duration
     * limit or the run is cut at {@code seconds} with SIGINT).
     */
    static Result run(Path ffmpeg, List<String> inputs, List<String> outputs, int seconds) throws IOException {
        List<String> command = new ArrayList<>(List.of(ffmpeg.toString(), "-hide_banner", "-nostdin", "-y",
                "-loglevel", "error", "-progress", "pipe:1"));
        command.addAll(inputs);
        command.addAll(outputs);
        AtomicReference<String> speed = new AtomicReference<>("0");
        try (ResourceMeter meter = ResourceMeter.start()) {
            ChildProcess encoder = ChildProcess.start(ChildProcess.Spec.of("ffmpeg", command)
                    .onStdout(line -> {
                        if (line.startsWith("speed=")) {
                            speed.set(line.substring("speed=".length()).replace("x", "").trim());
                        }
                    }));
            try {
                encoder.exit().get(seconds + 30L, TimeUnit.SECONDS);
            } catch (Exception e) {
                encoder.stop(Duration.ofSeconds(5));
                throw new IOException("the encoder-only run did not finish: " + e.getMessage(), e);
            }
            ResourceMeter.Usage usage = meter.usage();
            double parsed;
            try {
                parsed = Double.parseDouble(speed.get());
            } catch (NumberFormatException e) {
                parsed = 0;
            }
            return new Result(seconds, usage, parsed);
        }
    }

    private EncoderFloor() {
    }
}
