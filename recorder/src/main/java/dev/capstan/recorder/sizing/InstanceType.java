package dev.capstan.recorder.sizing;

/**
 * A machine a fleet can be built of, as {@code name=vcpus:memGiB:pricePerHour} on the command line.
 *
 * @param vcpus        logical CPUs, the unit the benchmark's cores are measured in
 * @param pricePerHour US dollars per hour, on demand
 */
public record InstanceType(String name, int vcpus, double memoryGiB, double pricePerHour) {

    /** Past these a spec is a typo, not a machine. */
    static final int MOST_VCPUS = 1024;
    static final double MOST_MEMORY_GIB = 32768;
    static final double HIGHEST_PRICE_PER_HOUR = 1000;

    public static final InstanceType C5N_2XLARGE = new InstanceType("c5n.2xlarge", 8, 21, 0.505);
    public static final InstanceType C5N_18XLARGE = new InstanceType("c5n.18xlarge", 72, 192, 4.545);

    public InstanceType {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}")) {
            throw new PlanArgumentException("--instance", "needs a name of letters, digits, '.', '_' or '-', got '"
                    + name + "'");
        }
        if (vcpus < 1 || vcpus > MOST_VCPUS) {
            throw new PlanArgumentException("--instance", name + ": vCPUs must be 1.." + MOST_VCPUS + ", got " + vcpus);
        }
        if (!(memoryGiB > 0) || memoryGiB > MOST_MEMORY_GIB) {
            throw new PlanArgumentException("--instance", name + ": memory must be above 0 and at most "
                    + (int) MOST_MEMORY_GIB + " GiB, got " + memoryGiB);
        }
        if (!(pricePerHour > 0) || pricePerHour > HIGHEST_PRICE_PER_HOUR) {
            throw new PlanArgumentException("--instance", name + ": price per hour must be above 0 and at most "
                    + (int) HIGHEST_PRICE_PER_HOUR + ", got " + pricePerHour);
        }
    }

    /** {@code c5n.2xlarge=8:21:0.505}. */
    static InstanceType parse(String spec) {
        int eq = spec.indexOf('=');
        String[] parts = eq > 0 ? spec.substring(eq + 1).split(":", -1) : new String[0];
        if (parts.length != 3) {
            throw new PlanArgumentException("--instance", "takes name=vcpus:memGiB:pricePerHour (for example "
                    + "c5n.2xlarge=8:21:0.505), got '" + spec + "'");
        }
        String name = spec.substring(0, eq);
        try {
            return new InstanceType(name, Integer.parseInt(parts[0].trim()), decimal(parts[1]), decimal(parts[2]));
        } catch (NumberFormatException e) {
            throw new PlanArgumentException("--instance", name + ": vCPUs must be a whole number, memory and price "
                    + "decimal numbers, got '" + spec + "'");
        }
    }

    /** Plain decimals only: Double.parseDouble would take "NaN", "Infinity", "-1" and "0x1p3". */
    private static double decimal(String text) {
        if (!text.trim().matches("\\d{1,9}(\\.\\d{1,9})?")) {
            throw new NumberFormatException(text);
        }
        return Double.parseDouble(text.trim());
    }
}
