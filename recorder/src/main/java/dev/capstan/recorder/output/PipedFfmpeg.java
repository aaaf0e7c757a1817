package dev.capstan.recorder.output;

import dev.capstan.recorder.process.ChildProcess;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * FFmpeg reading a recording's segments through its standard input ({@code -i pipe:0}): the files are written to
 * it one after another, as one fragmented MP4, so nothing is concatenated on disk first.
 */
public final class PipedFfmpeg {

    private PipedFfmpeg() {
    }

    /** How FFmpeg ended, and what it wrote to its standard error. */
    public record Result(int exit, List<String> errors) {

        public Result {
            errors = List.copyOf(errors);
        }

        public String errorText() {
            return String.join("; ", errors);
        }
    }

    /**
     * Runs FFmpeg, feeds it {@code input} and waits for it to end.
     *
     * @param mayStopReading true if FFmpeg may end before it has read everything (a closed pipe is then expected
     *                       and its exit tells), false if the whole input must reach it
     * @param timeout        how long FFmpeg may take, if it has a limit; it is killed after that
     * @throws IOException if FFmpeg cannot be started, does not end in time, or (unless {@code mayStopReading})
     *                     the input could not be written to it
     */
    public static Result run(String name, List<String> command, List<Path> input, boolean mayStopReading,
                      Optional<Duration> timeout) throws IOException {
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        ChildProcess ffmpeg = ChildProcess.start(ChildProcess.Spec.of(name, command).onStderr(errors::add));
        try {
            try (OutputStream in = ffmpeg.stdin()) {
                for (Path file : input) {
                    Files.copy(file, in);
                }
            } catch (IOException e) {
                if (!mayStopReading) {
                    ffmpeg.stop(Duration.ofSeconds(5));
                    throw new IOException(name + " did not get its input: " + String.join("; ", errors), e);
                }
            }
            int exit = timeout.isPresent()
                    ? ffmpeg.exit().get(timeout.get().toMillis(), TimeUnit.MILLISECONDS)
                    : ffmpeg.exit().get();
            ffmpeg.drainOutput(Duration.ofSeconds(2));
            return new Result(exit, errors);
        } catch (TimeoutException e) {
            throw new IOException(name + " took more than " + timeout.orElseThrow().toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while " + name + " ran", e);
        } catch (ExecutionException e) {
            throw new IOException(name + " failed", e.getCause());
        } finally {
            ffmpeg.stop(Duration.ofSeconds(2));
        }
    }

    /** Where FFmpeg writes a file before it is {@linkplain #publish published}. */
    public static Path partial(Path target) {
        return target.resolveSibling(target.getFileName() + ".part");
    }

    /** Makes the finished {@link #partial} appear as {@code target} at once, replacing an older one. */
    public static Path publish(Path target) throws IOException {
        return Files.move(partial(target), target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
