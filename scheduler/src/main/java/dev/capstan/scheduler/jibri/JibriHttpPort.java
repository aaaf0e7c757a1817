package dev.capstan.scheduler.jibri;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.apache.catalina.connector.Connector;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Jibri's HTTP API gets its own port (2222 unless configured), bound to loopback like Jibri's since May 2026.
 * Requests are kept apart by port: that port serves only {@code /jibri/...}, and the main port never does, so
 * the unauthenticated Jibri API is reachable only where the operator put it.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "capstan.jibri.http-api.enabled", havingValue = "true", matchIfMissing = true)
public class JibriHttpPort {

    private final Connector connector = new Connector();

    public JibriHttpPort(JibriProperties properties) {
        connector.setPort(properties.httpApi().port());
        connector.setProperty("address", properties.httpApi().host());
    }

    /** The port it listens on (useful when configured as 0); -1 before the server started. */
    public int localPort() {
        return connector.getLocalPort();
    }

    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> jibriConnector() {
        return factory -> factory.addAdditionalTomcatConnectors(connector);
    }

    @Bean
    FilterRegistrationBean<OncePerRequestFilter> jibriPortSeparation() {
        FilterRegistrationBean<OncePerRequestFilter> registration = new FilterRegistrationBean<>(
                new OncePerRequestFilter() {
                    @Override
                    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response,
                            FilterChain chain) throws ServletException, IOException {
                        boolean jibriPort = request.getLocalPort() == connector.getLocalPort();
                        boolean jibriPath = request.getRequestURI().startsWith("/jibri/");
                        if (jibriPort != jibriPath) {
                            response.sendError(HttpServletResponse.SC_NOT_FOUND);
                            return;
                        }
                        chain.doFilter(request, response);
                    }
                });
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }
}
