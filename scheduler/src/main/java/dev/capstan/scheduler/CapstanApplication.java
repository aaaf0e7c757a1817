package dev.capstan.scheduler;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Capstan's control plane.
 *
 * <p>With the first argument {@code demo}, it records the built-in demo meeting once and exits; the page is
 * served by this process on a free loopback port.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class CapstanApplication {

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("demo")) {
            List<String> demoArgs = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
            demoArgs.add("--capstan.command=demo");
            demoArgs.add("--server.port=0");
            ConfigurableApplicationContext context =
                    SpringApplication.run(CapstanApplication.class, demoArgs.toArray(String[]::new));
            System.exit(SpringApplication.exit(context));
        }
        SpringApplication.run(CapstanApplication.class, args);
    }
}
