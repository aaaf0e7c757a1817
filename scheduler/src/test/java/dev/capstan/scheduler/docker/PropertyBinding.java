package dev.capstan.scheduler.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindMethod;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.core.type.filter.AnnotationTypeFilter;

/**
 * Which environment variables would set nothing in the app. Capstan's own ({@code CAPSTAN_*}) are bound, as Spring
 * Boot binds them at start-up, to every {@code @ConfigurationProperties} class of the app, and a variable counts only
 * if some property took its value (so indexed and nested names such as {@code CAPSTAN_JIBRI_ENVIRONMENTS_0_...} are
 * checked too, and a value that does not convert fails here). Spring Boot's own ({@code SPRING_*}, {@code SERVER_*},
 * {@code MANAGEMENT_*}, {@code LOGGING_*}) are looked up in the property metadata its jars ship.
 */
final class PropertyBinding {

    private static final List<String> CHECKED_PREFIXES = List.of("CAPSTAN_", "SPRING_", "SERVER_", "MANAGEMENT_",
            "LOGGING_");
    private static final List<Class<?>> PROPERTY_CLASSES = propertyClasses();
    private static final List<MetadataProperty> BOOT_PROPERTIES = bootMetadata();

    private PropertyBinding() {
    }

    /**
     * The variables of {@code environment} that no property of the app takes, sorted, then the settings the app
     * would refuse at start-up (a value that does not convert, a half-set Jibri environment), with Spring's reason.
     */
    static List<String> unbound(Map<String, String> environment) {
        Set<String> checked = new TreeSet<>();
        environment.keySet().stream().filter(name -> CHECKED_PREFIXES.stream().anyMatch(name::startsWith))
                .forEach(checked::add);
        List<String> refused = new ArrayList<>();
        Set<String> taken = bindCapstanProperties(environment, refused);
        List<String> unbound = new ArrayList<>();
        for (String variable : checked) {
            if (taken.contains(variable)) {
                continue;
            }
            if (!variable.startsWith("CAPSTAN_") && BOOT_PROPERTIES.stream().anyMatch(p -> p.matches(variable))) {
                continue;
            }
            unbound.add(variable);
        }
        unbound.addAll(refused);
        return unbound;
    }

    /** Binds like start-up does and returns the variables some property took. */
    private static Set<String> bindCapstanProperties(Map<String, String> environment, List<String> refused) {
        Map<String, Object> source = new HashMap<>(environment);
        Binder binder = new Binder(ConfigurationPropertySources.from(
                new SystemEnvironmentPropertySource("systemEnvironment", source)));
        Set<String> taken = new TreeSet<>();
        AbstractBindHandler recorder = new AbstractBindHandler() {
            @Override
            public Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
                                    Object result) {
                ConfigurationProperty property = context.getConfigurationProperty();
                if (property != null) {
                    Origin origin = property.getOrigin();
                    taken.add(origin instanceof PropertySourceOrigin variable ? variable.getPropertyName()
                            : String.valueOf(origin));
                }
                return super.onSuccess(name, target, context, result);
            }
        };
        for (Class<?> type : PROPERTY_CLASSES) {
            String prefix = type.getAnnotation(ConfigurationProperties.class).prefix();
            if (prefix.isEmpty()) {
                prefix = type.getAnnotation(ConfigurationProperties.class).value();
            }
            Bindable<?> bindable = Bindable.of(type)
                    .withBindMethod(type.isRecord() ? BindMethod.VALUE_OBJECT : BindMethod.JAVA_BEAN);
            try {
                binder.bind(prefix, bindable, recorder);
            } catch (BindException e) {
                Throwable cause = e;
                while (cause.getCause() != null) {
                    cause = cause.getCause();
                }
                refused.add(prefix + ".* refused at start-up: " + cause.getMessage());
            }
        }
        return taken;
    }

    private static List<Class<?>> propertyClasses() {
        ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
        scanner.addIncludeFilter(new AnnotationTypeFilter(ConfigurationProperties.class));
        List<Class<?>> classes = new ArrayList<>();
        for (BeanDefinition candidate : scanner.findCandidateComponents("dev.capstan")) {
            try {
                classes.add(Class.forName(candidate.getBeanClassName()));
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        if (classes.isEmpty()) {
            throw new IllegalStateException("no @ConfigurationProperties class under dev.capstan on the classpath");
        }
        return List.copyOf(classes);
    }

    /** A property from Spring Boot's metadata, with the names an environment variable may give it. */
    private record MetadataProperty(String name, boolean isMap) {

        boolean matches(String variable) {
            String upper = name.toUpperCase(Locale.ROOT).replace('.', '_');
            String canonical = upper.replace("-", "");
            String legacy = upper.replace('-', '_');
            if (variable.equals(canonical) || variable.equals(legacy)) {
                return true;
            }
            // Map properties (logging.level, ...) take any key after their name.
            return isMap && (variable.startsWith(canonical + "_") || variable.startsWith(legacy + "_"));
        }
    }

    private static List<MetadataProperty> bootMetadata() {
        ObjectMapper json = new ObjectMapper();
        List<MetadataProperty> properties = new ArrayList<>();
        try {
            PathMatchingResourcePatternResolver resolver = new PathMatchingResourcePatternResolver();
            for (String file : List.of("spring-configuration-metadata.json",
                    "additional-spring-configuration-metadata.json")) {
                for (Resource resource : resolver.getResources("classpath*:META-INF/" + file)) {
                    try (InputStream in = resource.getInputStream()) {
                        for (JsonNode property : json.readTree(in).path("properties")) {
                            String type = property.path("type").asText("");
                            properties.add(new MetadataProperty(property.path("name").asText(),
                                    type.startsWith("java.util.Map")));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (properties.stream().noneMatch(property -> property.name().equals("spring.datasource.url"))) {
            throw new IllegalStateException("Spring Boot's property metadata is not on the test classpath");
        }
        return List.copyOf(properties);
    }
}
