package dev.capstan.recorder.capture;

import dev.capstan.recorder.process.MissingExecutableException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.bytedeco.javacpp.Loader;

/**
 * Which ffmpeg runs the capture: a configured path, or else the build JavaCV bundles (pinned, with libx264,
 * pulse and x11grab), extracted once into JavaCPP's cache.
 */
public final class FfmpegBinary {

    private static volatile Path bundled;

    private FfmpegBinary() {
    }

    public static Path resolve(Optional<Path> configured) throws MissingExecutableException {
        if (configured.isPresent()) {
            Path path = configured.get();
            if (!Files.isExecutable(path)) {
                throw new MissingExecutableException("ffmpeg", path);
            }
            return path;
        }
        return bundled();
    }

    /** The JavaCV-bundled binary; the first call extracts it (about a second). */
    public static Path bundled() {
        Path path = bundled;
        if (path == null) {
            synchronized (FfmpegBinary.class) {
                path = bundled;
                if (path == null) {
                    path = Path.of(Loader.load(org.bytedeco.ffmpeg.ffmpeg.class));
                    bundled = path;
                }
            }
        }
        return path;
    }
}
