package dev.capstan.scheduler.pool;

import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeConfig;
import dev.capstan.scheduler.pool.FleetProperties;
import dev.capstan.scheduler.pool.RecorderProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The embedded node: this host's warm slots, started with the application and closed with it. A fleet scheduler
 * keeps none: its recordings run on the nodes of the pool.
 */
@Configuration(proxyBeanMethods = false)
class NodeConfiguration {

    @Bean(destroyMethod = "close")
    Node node(NodeProperties node, RecorderProperties recorder, FleetProperties fleet) {
        NodeConfig config = node.nodeConfig(recorder.slotConfig());
        return Node.start(fleet.isScheduler() ? config.withSlots(NodeConfig.NO_SLOTS) : config);
    }
}
