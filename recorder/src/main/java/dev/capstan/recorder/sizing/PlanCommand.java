package dev.capstan.recorder.sizing;

import java.io.PrintStream;

/**
 * {@code ./capstan plan}: exit 0 with the plan, 2 for a bad argument (named), 3 when the benchmark results lack a
 * figure (with the bench command that measures it).
 */
public final class PlanCommand {

    static final int BAD_ARGUMENT = 2;
    static final int MISSING_MEASUREMENT = 3;

    private PlanCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        PlanRequest request;
        try {
            request = PlanRequest.parse(args);
        } catch (PlanArgumentException e) {
            if (e.argument().equals("--help")) {
                out.print(PlanRequest.USAGE);
                return 0;
            }
            err.println("capstan plan: " + e.getMessage());
            err.print(PlanRequest.USAGE);
            return BAD_ARGUMENT;
        }
        MeasuredCosts costs;
        try {
            costs = MeasuredCosts.from(request.results(), request.resolution(), request.audioOnly());
        } catch (PlanArgumentException e) {
            err.println("capstan plan: " + e.getMessage());
            return BAD_ARGUMENT;
        } catch (MissingMeasurementException e) {
            err.println("capstan plan: " + e.getMessage() + "; measure it with:");
            e.commands().forEach(command -> err.println("  " + command));
            return MISSING_MEASUREMENT;
        }
        CapacityPlan plan = CapacityPlanner.plan(request, costs);
        out.print(request.json() ? PlanReport.json(plan) : PlanReport.text(plan));
        return 0;
    }
}
