package dev.capstan.scheduler.session;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.springframework.core.env.Environment;

/** The name this scheduler files its sessions under (see {@link InstanceProperties}). */
public record SchedulerInstance(String name) {

    public SchedulerInstance {
        if (name == null || name.isBlank() || name.length() > 256) {
            throw new IllegalArgumentException("capstan.instance-name must be 1 to 256 characters, not '" + name + "'");
        }
    }

    static SchedulerInstance of(InstanceProperties properties, Environment environment) {
        if (properties.instanceName() != null && !properties.instanceName().isBlank()) {
            return new SchedulerInstance(properties.instanceName().strip());
        }
        // The configured port, not the bound one: with port 0 the name still stays the same across restarts.
        return new SchedulerInstance(hostName() + ":" + environment.getProperty("server.port", "8080"));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
