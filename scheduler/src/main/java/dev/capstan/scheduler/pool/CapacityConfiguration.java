package dev.capstan.scheduler.pool;

import dev.capstan.recorder.node.Node;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * The {@link Capacity} that metrics and autoscalers read: this host's node, unless another bean (the fleet's)
 * answers. An auto-configuration (listed in {@code META-INF/spring/...AutoConfiguration.imports}, so component
 * scanning skips it) because only those are processed after every application bean is known: in a plain
 * configuration class, {@code @ConditionalOnMissingBean} would depend on the order classes happen to be scanned in.
 */
@AutoConfiguration
public class CapacityConfiguration {

    @Bean
    @ConditionalOnBean(Node.class)
    @ConditionalOnMissingBean(Capacity.class)
    Capacity embeddedCapacity(Node node, NodeProperties properties, ObjectProvider<Draining> draining) {
        // Only a fleet node's agent drains.
        return new EmbeddedCapacity(node, properties.cpuBudget(), () -> {
            Draining agent = draining.getIfAvailable();
            return agent != null && agent.isDraining();
        });
    }
}
