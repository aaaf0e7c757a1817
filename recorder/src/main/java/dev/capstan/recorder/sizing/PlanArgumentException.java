package dev.capstan.recorder.sizing;

/** A planner argument that cannot be used; the message starts with the argument's name. */
public final class PlanArgumentException extends IllegalArgumentException {

    private final String argument;

    public PlanArgumentException(String argument, String problem) {
        super(argument + " " + problem);
        this.argument = argument;
    }

    public String argument() {
        return argument;
    }
}
