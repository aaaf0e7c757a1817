package dev.capstan.scheduler.events.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.scheduler.pool.Capacity;
import dev.capstan.scheduler.pool.CapacityConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The fleet-level gauges read {@link Capacity} and nothing else, so a fleet-wide {@code Capacity} (the sum over
 * remote nodes) takes the embedded node's place without touching the metrics. No node runs here: the replacement
 * is exactly what makes one unnecessary.
 */
class FleetMetricsTest {

    /** A fleet of three nodes, one draining, whose figures the test changes. */
    static final AtomicReference<Capacity.Snapshot> fleet =
            new AtomicReference<>(new Capacity.Snapshot(3, 1, 4, 5, 2, 0.625));

    @Configuration(proxyBeanMethods = false)
    static class Fleet {
        @Bean
        Capacity fleetCapacity() {
            return fleet::get;
        }

        @Bean
        FleetMetrics fleetMetrics(org.springframework.beans.factory.ObjectProvider<Capacity> capacity) {
            return new FleetMetrics(capacity);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class MetricsOnly {
        @Bean
        FleetMetrics fleetMetrics(org.springframework.beans.factory.ObjectProvider<Capacity> capacity) {
            return new FleetMetrics(capacity);
        }
    }

    private static double gauge(MeterRegistry registry, String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    @Test
    void aFleetCapacityReplacesTheEmbeddedNodeAndTheGaugesFollowIt() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CapacityConfiguration.class))
                .withUserConfiguration(Fleet.class)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context).getBeans(Capacity.class).containsOnlyKeys("fleetCapacity");
                    MeterRegistry registry = new SimpleMeterRegistry();
                    context.getBean(FleetMetrics.class).bindTo(registry);

                    assertThat(gauge(registry, FleetMetrics.SLOTS_FREE)).isEqualTo(4);
                    assertThat(gauge(registry, FleetMetrics.SLOTS_BUSY)).isEqualTo(5);
                    assertThat(gauge(registry, FleetMetrics.QUEUE_LENGTH)).isEqualTo(2);
                    assertThat(gauge(registry, FleetMetrics.LOAD_RATIO)).isEqualTo(0.625);
                    assertThat(gauge(registry, FleetMetrics.NODES, "state", "ready")).isEqualTo(2);
                    assertThat(gauge(registry, FleetMetrics.NODES, "state", "draining")).isEqualTo(1);

                    fleet.set(new Capacity.Snapshot(4, 0, 6, 5, 0, 0.5));
                    Thread.sleep(1100); // one snapshot serves a whole scrape, for up to a second
                    assertThat(gauge(registry, FleetMetrics.SLOTS_FREE)).isEqualTo(6);
                    assertThat(gauge(registry, FleetMetrics.NODES, "state", "ready")).isEqualTo(4);
                    assertThat(gauge(registry, FleetMetrics.NODES, "state", "draining")).isZero();
                });
    }

    @Test
    void withNeitherANodeNorAFleetThereIsNoCapacityToReport() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(CapacityConfiguration.class))
                .withUserConfiguration(MetricsOnly.class)
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(Capacity.class);
                    MeterRegistry registry = new SimpleMeterRegistry();
                    context.getBean(FleetMetrics.class).bindTo(registry);
                    assertThat(registry.find(FleetMetrics.SLOTS_FREE).gauge()).isNull();
                });
    }

    @Test
    void aSnapshotRefusesFiguresThatCannotBe() {
        assertThatThrownBy(() -> new Capacity.Snapshot(1, 0, -1, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("free -1");
        assertThatThrownBy(() -> new Capacity.Snapshot(1, 2, 0, 0, 0, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("2 draining nodes out of 1");
        assertThatThrownBy(() -> new Capacity.Snapshot(1, 0, 0, 0, 0, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("load ratio");
        assertThat(new Capacity.Snapshot(2, 1, 0, 3, 0, 1.2).readyNodes()).isEqualTo(1);
    }
}
