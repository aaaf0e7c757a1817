package dev.capstan.scheduler.session;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code capstan.instance-name}: this scheduler's name among those sharing one database. A restarted scheduler
 * picks up the unfinished sessions filed under its name, so it must stay the same across restarts and differ
 * between schedulers. Unset: the host name and {@code server.port}, e.g. {@code rec-1:8080}.
 */
@ConfigurationProperties("capstan")
public record InstanceProperties(String instanceName) {
}
