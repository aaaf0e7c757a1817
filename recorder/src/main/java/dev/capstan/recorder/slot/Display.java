package dev.capstan.recorder.slot;

import dev.capstan.recorder.process.ChildProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A private X display (Xvfb) the browser draws on and FFmpeg grabs from. */
public final class Display implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Display.class);
    private static final Path XRANDR = Path.of("/usr/bin/xrandr");

    private final ChildProcess xvfb;
    private final int number;
    private final int width;
    private final int height;

    private Display(ChildProcess xvfb, int number, int width, int height) {
        this.xvfb = xvfb;
        this.number = number;
        this.width = width;
        this.height = height;
    }

    /**
     * Starts Xvfb. Without a fixed number, Xvfb itself picks the first free display and reports it through
     * {@code -displayfd}, which is race-free even when many slots start at once.
     */
    public static Display start(Path xvfbBinary, OptionalInt fixedNumber, int width, int height, Duration timeout)
            throws IOException {
        CompletableFuture<Integer> ready = new CompletableFuture<>();
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        List<String> command = new ArrayList<>();
        command.add(xvfbBinary.toString());
        fixedNumber.ifPresent(n -> command.add(":" + n));
        command.addAll(List.of("-displayfd", "1", "-screen", "0", width + "x" + height + "x24",
                "-nolisten", "tcp", "-ac", "-noreset"));
        ChildProcess xvfb = ChildProcess.start(ChildProcess.Spec.of("xvfb", command)
                .onStdout(line -> ready.complete(Integer.parseInt(line.trim())))
                .onStderr(errors::add));
        xvfb.exit().thenRun(() -> ready.completeExceptionally(new IOException("Xvfb exited")));
        try {
            int number = ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Display(xvfb, number, width, height);
        } catch (ExecutionException | TimeoutException e) {
            xvfb.stop(Duration.ofSeconds(2));
            String which = fixedNumber.isPresent() ? "display :" + fixedNumber.getAsInt() : "a display";
            throw new IOException("Xvfb did not start " + which + ": " + lastMeaningful(errors), e);
        } catch (InterruptedException e) {
            xvfb.stop(Duration.ofSeconds(2));
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting Xvfb", e);
        }
    }

    /**
     * The reason Xvfb gave. X servers print "Fatal server error:" and the reason on the next line, framed by
     * "(EE)" markers, for example "Cannot establish any listening sockets - Make sure an X server isn't already
     * running" when the display is taken.
     */
    private static String lastMeaningful(List<String> lines) {
        List<String> cleaned;
        synchronized (lines) {
            cleaned = lines.stream()
                    .map(line -> line.replace("(EE)", "").trim())
                    .filter(line -> !line.isEmpty())
                    .toList();
        }
        int fatal = cleaned.indexOf("Fatal server error:");
        if (fatal >= 0 && fatal + 1 < cleaned.size()) {
            return cleaned.get(fatal + 1);
        }
        return cleaned.stream()
                .filter(line -> line.contains("Fatal") || line.contains("already") || line.contains("error"))
                .reduce((first, second) -> second)
                .orElse(cleaned.isEmpty() ? "no output" : cleaned.get(cleaned.size() - 1));
    }

    /** The X display name, such as {@code :99}. */
    public String name() {
        return ":" + number;
    }

    public int number() {
        return number;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public boolean isAlive() {
        return xvfb.isAlive();
    }

    /**
     * Gives the display a refresh rate. Xvfb's only video mode has no timings, so Chromium, which paces its
     * compositor and the page's requestAnimationFrame by the primary output's mode, assumes 60 Hz: twice the
     * frames a 30 fps recording keeps. A mode with a lower rate (a modeline whose dot clock is width x height
     * x hertz) cuts the browser's drawing. Needs xrandr (Debian: x11-xserver-utils); without it the display
     * works as before and Chromium draws at 60 Hz.
     *
     * @return whether the display now runs at {@code hertz}
     */
    public boolean setRefreshRate(int hertz) {
        if (!Files.isExecutable(XRANDR)) {
            log.warn("{} is missing, so the browser draws at 60 fps whatever the recording's rate"
                    + " (install x11-xserver-utils to save that CPU)", XRANDR);
            return false;
        }
        String mode = width + "x" + height + "_" + hertz;
        String megahertz = String.format(Locale.ROOT, "%.6f", (double) width * height * hertz / 1e6);
        String w = Integer.toString(width);
        String h = Integer.toString(height);
        try {
            String output = xrandr("--query").lines().filter(line -> line.contains(" connected"))
                    .map(line -> line.substring(0, line.indexOf(' '))).findFirst()
                    .orElseThrow(() -> new IOException("xrandr shows no connected output"));
            xrandr("--newmode", mode, megahertz, w, w, w, w, h, h, h, h);
            xrandr("--addmode", output, mode);
            // Chromium reads the rate of the primary output's mode; Xvfb's output is not primary by default.
            xrandr("--output", output, "--mode", mode, "--primary");
            return true;
        } catch (IOException e) {
            log.warn("display {} keeps its default refresh rate: {}", name(), e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private String xrandr(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(XRANDR.toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("DISPLAY", name());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IOException("xrandr " + String.join(" ", arguments) + " failed: " + output.trim());
        }
        return output;
    }

    public long pid() {
        return xvfb.pid();
    }

    @Override
    public void close() {
        xvfb.stop(Duration.ofSeconds(3));
    }
}
