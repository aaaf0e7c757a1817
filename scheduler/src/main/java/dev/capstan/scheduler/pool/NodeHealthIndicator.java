package dev.capstan.scheduler.pool;

import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeStatus;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} for the node: down when no slot can record (all broken or cold), with the slots, queue
 * and overload state as details so an operator sees why.
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
        boolean canRecord = status.idleSlots() + status.busySlots() > 0;
        boolean starting = status.slots().stream().anyMatch(slot -> slot.state().equals("warming"));
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
