package dev.capstan.scheduler.jibri;

import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} component {@code jibri}: up while every occupant sits in its brewery, RECONNECTING
 * (HTTP 200) while some are away. Recordings carry on meanwhile, so an orchestrator must not restart the node.
 */
@Component("jibri")
class JibriHealthIndicator implements HealthIndicator {

    static final Status RECONNECTING = new Status("RECONNECTING", "some brewery occupants are reconnecting");

    private final JibriService jibri;

    JibriHealthIndicator(JibriService jibri) {
        this.jibri = jibri;
    }

    @Override
    public Health health() {
        if (!jibri.isConfigured()) {
            return Health.up().withDetail("environments", 0).build();
        }
        return Health.status(jibri.allJoined() ? Status.UP : RECONNECTING)
                .withDetail("occupants", jibri.occupants())
                .build();
    }
}
