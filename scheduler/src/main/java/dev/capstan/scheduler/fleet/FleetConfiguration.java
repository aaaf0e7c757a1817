package dev.capstan.scheduler.fleet;

import dev.capstan.recorder.live.StreamPolicy;
import dev.capstan.recorder.node.Node;
import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.scheduler.fleet.agent.NodeAgent;
import dev.capstan.scheduler.fleet.placement.FleetCapacity;
import dev.capstan.scheduler.fleet.placement.FleetSessions;
import dev.capstan.scheduler.fleet.placement.NodeRoster;
import dev.capstan.scheduler.fleet.protocol.PoolRoom;
import dev.capstan.scheduler.pool.Capacity;
import dev.capstan.scheduler.pool.FleetProperties;
import dev.capstan.scheduler.pool.NodeProperties;
import dev.capstan.scheduler.recording.PauseProperties;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.scheduler.session.SessionDriver;
import dev.capstan.scheduler.session.Sessions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The fleet roles: a node agent, or a scheduler that places recordings on the pool's nodes. */
@Configuration(proxyBeanMethods = false)
class FleetConfiguration {

    /** This process's name in the pool: the configured nickname, else the host name (one node per host). */
    static String nickname(FleetProperties fleet, String prefix) {
        return fleet.xmpp().nicknameIfSet().orElseGet(() -> {
            try {
                return prefix + InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                return prefix + ProcessHandle.current().pid();
            }
        });
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "capstan.fleet.role", havingValue = "node")
    static class NodeRole {

        @Bean
        NodeAgent nodeAgent(FleetProperties fleet, Node node, Recordings recordings, StreamPolicy streamPolicy,
                NodeProperties nodeProperties, PauseProperties pauses) throws IOException {
            return new NodeAgent(fleet, node, recordings, streamPolicy, nodeProperties.drainTimeout(),
                    nodeProperties.cpuBudget(), nickname(fleet, ""), pauses.maxPause());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "capstan.fleet.role", havingValue = "scheduler")
    static class SchedulerRole {

        @Bean
        NodeRoster nodeRoster() {
            return new NodeRoster();
        }

        @Bean(destroyMethod = "close")
        PoolRoom schedulerSeat(FleetProperties fleet, NodeRoster roster) throws IOException {
            PoolRoom room = new PoolRoom(fleet.xmpp(), nickname(fleet, "scheduler-"), java.util.Optional::empty);
            room.onPresence(roster::update);
            room.start();
            return room;
        }

        /** What metrics and the autoscaler read: the whole pool, not this scheduler's (slotless) node. */
        @Bean
        Capacity fleetCapacity(NodeRoster roster) {
            return new FleetCapacity(roster);
        }

        @Bean(destroyMethod = "close")
        FleetSessions fleetSessions(PoolRoom room, NodeRoster roster, Sessions sessions, SessionDriver driver,
                RecordingArchive archive, FleetProperties fleet) {
            return new FleetSessions(room, roster, sessions, driver, archive, fleet.presenceInterval());
        }
    }
}
