package dev.capstan.scheduler.session;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code capstan.instance-name}: this scheduler's name among those sharing one database. A restarted scheduler
 * picks up the unfinished sessions filed under its name, so it must stay the same across restarts and differ
 * between schedulers. Unset: the host name and {@code server.port}, e.g. {@code rec-1:8080}.
 *
 * <p>{@code capstan.instance.*}: the lease that tells the other schedulers this one is alive (see
 * {@link SchedulerLease} and {@link SessionAdoption}).
 */
@ConfigurationProperties("capstan")
public record InstanceProperties(String instanceName, @DefaultValue Lease instance) {

    /**
     * @param leaseTerm        how long this scheduler's lease lasts without renewal (it renews every third of it):
     *                         after it, the others adopt its unfinished sessions
     * @param adoptionInterval how often this scheduler looks for sessions whose scheduler's lease has expired
     * @param unleasedGrace    how long this scheduler runs before it also adopts the sessions of schedulers that
     *                         never held a lease (rows filed before leases existed, or by a scheduler not yet
     *                         upgraded): upgrade every scheduler within it
     */
    public record Lease(@DefaultValue("10s") Duration leaseTerm, @DefaultValue("5s") Duration adoptionInterval,
            @DefaultValue("5m") Duration unleasedGrace) {

        public Lease {
            requirePositive("capstan.instance.lease-term", leaseTerm);
            requirePositive("capstan.instance.adoption-interval", adoptionInterval);
            requirePositive("capstan.instance.unleased-grace", unleasedGrace);
        }

        /** A third of the term: two renewals may fail before the lease expires. */
        public Duration renewEvery() {
            return leaseTerm.dividedBy(3);
        }

        private static void requirePositive(String key, Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(key + " must be a positive duration, not " + value);
            }
        }
    }
}
