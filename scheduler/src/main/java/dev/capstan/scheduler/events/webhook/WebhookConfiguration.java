package dev.capstan.scheduler.events.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.session.SessionChanged;
import dev.capstan.storage.archive.Catalog;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/** Webhooks in the application: the delivery log, and the sender started and stopped with the application. */
@Configuration(proxyBeanMethods = false)
class WebhookConfiguration {

    @Bean
    @DependsOnDatabaseInitialization
    DeliveryLog deliveryLog(DataSource dataSource) {
        return new DeliveryLog(dataSource);
    }

    @Bean
    WebhookSender webhookSender(WebhookProperties settings, DeliveryLog deliveries, MeterRegistry meters,
            ObjectMapper json, Catalog catalog) {
        return new WebhookSender(settings, deliveries, meters, json, catalog);
    }

    /**
     * Starts {@link Webhooks} once the application is up (the delivery log's table exists, pending entries can be
     * read) and stops it first at shutdown; hands it every session event meanwhile.
     */
    static final class WebhookSender implements SmartLifecycle {

        private final WebhookProperties settings;
        private final DeliveryLog deliveries;
        private final MeterRegistry meters;
        private final ObjectMapper json;
        private final Catalog catalog;
        private volatile Optional<Webhooks> webhooks = Optional.empty();
        private volatile boolean running;

        WebhookSender(WebhookProperties settings, DeliveryLog deliveries, MeterRegistry meters, ObjectMapper json,
                Catalog catalog) {
            this.settings = settings;
            this.deliveries = deliveries;
            this.meters = meters;
            this.json = json;
            this.catalog = catalog;
        }

        /** On the mover's thread: only hands the event over. */
        @EventListener
        public void on(SessionChanged change) {
            webhooks.ifPresent(w -> w.accept(change));
        }

        @Override
        public void start() {
            webhooks = Webhooks.start(settings, deliveries, meters, json, catalog::find);
            running = true;
        }

        @Override
        public void stop() {
            running = false;
            Optional<Webhooks> stopping = webhooks;
            webhooks = Optional.empty();
            stopping.ifPresent(Webhooks::close);
        }

        @Override
        public boolean isRunning() {
            return running;
        }
    }
}
