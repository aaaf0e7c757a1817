package dev.capstan.scheduler.pool;

import dev.capstan.recorder.node.Node;
import dev.capstan.scheduler.recording.RecorderProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The embedded node: this host's warm slots, started with the application and closed with it. */
@Configuration(proxyBeanMethods = false)
class NodeConfiguration {

    @Bean(destroyMethod = "close")
    Node node(NodeProperties node, RecorderProperties recorder) {
        return Node.start(node.nodeConfig(recorder.slotConfig()));
    }
}
