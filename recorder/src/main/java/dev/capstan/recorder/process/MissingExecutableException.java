package dev.capstan.recorder.process;

import java.io.IOException;
import java.nio.file.Path;

/** A binary the slot needs (Xvfb, pulseaudio, chromium, chromedriver, ffmpeg) is not installed where configured. */
public final class MissingExecutableException extends IOException {

    private final String program;
    private final Path path;

    public MissingExecutableException(String program, Path path) {
        super(program + " is not installed at " + path);
        this.program = program;
        this.path = path;
    }

    public String program() {
        return program;
    }

    public Path path() {
        return path;
    }
}
