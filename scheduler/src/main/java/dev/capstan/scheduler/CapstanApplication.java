package dev.capstan.scheduler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * Capstan's control plane.
 *
 * <p>With the first argument {@code demo}, it records the built-in demo meeting once and exits; the page is
 * served by this process on a free loopback port.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class CapstanApplication {

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("demo")) {
            ConfigurableApplicationContext context = SpringApplication.run(CapstanApplication.class,
                    demoArguments(Arrays.asList(args).subList(1, args.length)));
            System.exit(SpringApplication.exit(context));
        }
        SpringApplication.run(CapstanApplication.class, args);
    }

    /** The demo runs once on a free port with a single slot; the caller's arguments may override the rest. */
    public static String[] demoArguments(List<String> callerArguments) {
        List<String> arguments = new ArrayList<>(List.of("--capstan.command=demo", "--server.port=0",
                "--capstan.node.slots=1", "--capstan.jibri.http-api.enabled=false"));
        arguments.addAll(callerArguments);
        return arguments.toArray(String[]::new);
    }
}
