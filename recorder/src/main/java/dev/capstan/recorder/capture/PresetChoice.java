package dev.capstan.recorder.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The x264 preset a capture starts with. FFmpeg cannot change a libx264 preset mid-stream (and the segments of one
 * recording must share one init segment), so the choice is made once, at start, from how busy the host already is:
 * on a host short of CPU, ultrafast encodes the demo meeting at 720p30 for 27% less CPU than superfast, in files
 * about 1.7 times as large (bundled FFmpeg 8.0.1, one thread: 0.084 against 0.115 cores). An encoder that still
 * falls behind loses frames at the grabber, never time (see {@link CaptureCommand}).
 */
public final class PresetChoice {

    private static final Logger log = LoggerFactory.getLogger(PresetChoice.class);
    /** The preset of a host short of CPU. */
    public static final String FASTEST = "ultrafast";
    /**
     * Runnable threads per core, averaged over the last minute, from which the host counts as short of CPU: less
     * than a quarter of it is idle.
     */
    public static final double SHORT_OF_CPU = 0.75;
    /**
     * Below this many cores a picture larger than 720p is encoded with ultrafast whatever the load: the demo meeting
     * at 1080p30 with superfast kept only 22–26 fps on 2 cores with most of them idle (./capstan bench
     * --resolution=1080p, 2026-12-07: 10% repeated frames), and 30 fps with ultrafast.
     */
    static final int CORES_FOR_LARGE_PICTURES = 4;
    private static final Path LOADAVG = Path.of("/proc/loadavg");

    private PresetChoice() {
    }

    /** The profile to start a capture with on this host now. */
    public static VideoProfile forHost(VideoProfile wanted) {
        int cores = Runtime.getRuntime().availableProcessors();
        double load;
        try {
            load = Double.parseDouble(Files.readString(LOADAVG).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return wanted;
        }
        VideoProfile chosen = forLoad(wanted, load, cores);
        if (!chosen.equals(wanted)) {
            log.info("{} on {} cores (load {}): encoding with x264 preset {} instead of {}",
                    large(wanted) && cores < CORES_FOR_LARGE_PICTURES ? wanted.name() : "a busy host", cores,
                    String.format(Locale.ROOT, "%.2f", load), chosen.x264Preset(), wanted.x264Preset());
        }
        return chosen;
    }

    static VideoProfile forLoad(VideoProfile wanted, double load, int cores) {
        boolean fastest = load >= SHORT_OF_CPU * cores || (large(wanted) && cores < CORES_FOR_LARGE_PICTURES);
        return fastest ? wanted.withX264Preset(FASTEST) : wanted;
    }

    private static boolean large(VideoProfile profile) {
        return profile.width() * profile.height() > 1280 * 720;
    }
}
