package dev.capstan.scheduler.recording;

import dev.capstan.recorder.node.Node;
import dev.capstan.scheduler.session.SessionDriver;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Recordings run on this host's own node, except on a fleet scheduler (whose RecorderNode is the fleet's). */
@Configuration(proxyBeanMethods = false)
class EmbeddedNodeConfiguration {

    @Bean
    @ConditionalOnExpression("'${capstan.fleet.role:}' != 'scheduler'")
    EmbeddedNode embeddedNode(SessionDriver driver, Recordings recordings, Node node, PauseProperties pauses) {
        return new EmbeddedNode(driver, recordings, node, pauses.maxPause());
    }
}
