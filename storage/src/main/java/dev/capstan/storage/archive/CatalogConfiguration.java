package dev.capstan.storage.archive;

import java.time.Clock;
import org.springframework.boot.autoconfigure.AutoConfigurationPackage;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@link Catalog} for a Spring Boot application with a DataSource: import it
 * ({@code @Import(CatalogConfiguration.class)}). It adds this package to the auto-configuration packages, so that
 * Boot's JPA auto-configuration finds the catalog's entity and repository next to the application's own, and Boot's
 * Flyway auto-configuration creates the table from {@code classpath:db/migration} (V1; the application's own
 * migrations, if any, start at V2).
 */
@Configuration(proxyBeanMethods = false)
@AutoConfigurationPackage(basePackageClasses = CatalogConfiguration.class)
public class CatalogConfiguration {

    @Bean
    Catalog catalog(RecordingRows recordingRows, PlatformTransactionManager transactionManager) {
        return new Catalog(recordingRows, transactionManager, Clock.systemUTC());
    }
}
