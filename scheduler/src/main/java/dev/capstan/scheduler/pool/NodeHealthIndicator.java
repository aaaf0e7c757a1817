package dev.capstan.scheduler.pool;

import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeStatus;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} for the node: down when no slot can record (every one broken, waiting for its next
 * warm-up try), with the slots, queue and overload state as details so an operator sees why. The node rebuilds
 * broken slots by itself, so the component turns UP again as soon as one is warm.
 */
@Component
class NodeHealthIndicator implements HealthIndicator {

    private final Node node;

    NodeHealthIndicator(Node node) {
        this.node = node;
    }

    @Override
    public Health health() {
        NodeStatus status = node.status();
        if (status.slots().isEmpty()) {
            // A fleet scheduler keeps no slots by design: its recordings run on the fleet's nodes.
            return Health.up().withDetail("slots", 0).build();
        }
        boolean canRecord = status.idleSlots() + status.busySlots() > 0;
        // Cold slots are about to warm (at start-up, after recycling).
        boolean starting = status.slots().stream()
                .anyMatch(slot -> slot.state().equals("warming") || slot.state().equals("cold"));
        Health.Builder health = canRecord || starting ? Health.up() : Health.down();
        health.withDetail("idleSlots", status.idleSlots())
                .withDetail("busySlots", status.busySlots())
                .withDetail("slots", status.slots().size())
                .withDetail("queued", status.queued());
        status.busy().ifPresent(hold -> health.withDetail("notAdmitting", hold.reason() + ": " + hold.detail()));
        status.overload().ifPresent(overload -> health.withDetail("overload", overload));
        return health.build();
    }
}
