package dev.capstan.scheduler.demo;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** {@code capstan.demo.*}: how long {@code ./capstan demo} records. */
@ConfigurationProperties("capstan.demo")
public record DemoProperties(@DefaultValue("10s") Duration length) {
}
