package dev.capstan.recorder.sizing;

import java.nio.file.Path;
import java.util.Locale;

/** A number the plan rests on: measured by {@code ./capstan bench}, or assumed (and then said why). */
public sealed interface Figure {

    double value();

    String unit();

    /** One line for the plan's "measured" or "assumed" list. */
    String describe();

    /**
     * @param field   where in results.json, e.g. {@code capstan.cost.steadyCores}
     * @param section the bench section that writes it ({@code ./capstan bench --sections=...})
     * @param machine the benchmark's machine, as results.json records it
     */
    record Measured(double value, String unit, String section, String field, Path source, String machine, String date)
            implements Figure {
        @Override
        public String describe() {
            return String.format(Locale.ROOT, "%.3f %s: %s (section %s) of %s, %s on %s", value, unit, field, section,
                    source, date, machine);
        }
    }

    record Assumed(double value, String unit, String why) implements Figure {
        @Override
        public String describe() {
            return String.format(Locale.ROOT, "%.3f %s: %s", value, unit, why);
        }
    }
}
