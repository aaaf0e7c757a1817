package dev.capstan.recorder.sizing;

import java.util.List;

/** The benchmark results lack a figure the plan needs; {@link #commands()} are the bench runs that measure it. */
public final class MissingMeasurementException extends RuntimeException {

    private final List<String> commands;

    public MissingMeasurementException(String what, List<String> commands) {
        super(what);
        this.commands = List.copyOf(commands);
    }

    public List<String> commands() {
        return commands;
    }
}
