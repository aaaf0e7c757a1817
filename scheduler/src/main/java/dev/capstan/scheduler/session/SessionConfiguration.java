package dev.capstan.scheduler.session;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

@Configuration(proxyBeanMethods = false)
class SessionConfiguration {

    @Bean
    SchedulerInstance schedulerInstance(InstanceProperties properties, Environment environment) {
        return SchedulerInstance.of(properties, environment);
    }
}
