package dev.capstan.scheduler.fleet;

import dev.capstan.scheduler.fleet.agent.NodeAgent;
import dev.capstan.scheduler.fleet.placement.FleetCapacity;
import dev.capstan.scheduler.fleet.placement.NodeRoster;
import dev.capstan.scheduler.fleet.protocol.PoolRoom;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.stereotype.Component;

/**
 * {@code /actuator/health} for the fleet: {@code RECONNECTING} (HTTP 200, recordings go on) while this process is
 * out of the pool MUC, which it rejoins by itself; on a scheduler, the nodes it sees.
 */
@Component("pool")
@ConditionalOnExpression("'${capstan.fleet.role:standalone}' != 'standalone'")
class PoolHealthIndicator implements HealthIndicator {

    static final Status RECONNECTING = new Status("RECONNECTING", "out of the pool room; rejoining");

    private final Optional<PoolRoom> schedulerSeat;
    private final Optional<NodeRoster> roster;
    private final Optional<NodeAgent> agent;

    PoolHealthIndicator(ObjectProvider<PoolRoom> schedulerSeat, ObjectProvider<NodeRoster> roster,
            ObjectProvider<NodeAgent> agent) {
        this.schedulerSeat = Optional.ofNullable(schedulerSeat.getIfAvailable());
        this.roster = Optional.ofNullable(roster.getIfAvailable());
        this.agent = Optional.ofNullable(agent.getIfAvailable());
    }

    @Override
    public Health health() {
        boolean joined = schedulerSeat.map(PoolRoom::isJoined).orElse(false)
                || agent.map(NodeAgent::isJoined).orElse(false);
        Health.Builder health = Health.status(joined ? Status.UP : RECONNECTING);
        roster.map(nodes -> new FleetCapacity(nodes).now()).ifPresent(pool -> health
                .withDetail("nodes", pool.nodes()).withDetail("freeSlots", pool.freeSlots()));
        agent.ifPresent(node -> health.withDetail("node", node.name()).withDetail("draining", node.isDraining()));
        return health.build();
    }
}
