package dev.capstan.scheduler.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.demo.DemoPageController;
import dev.capstan.scheduler.jibri.JibriHttpApi;
import jakarta.servlet.DispatcherType;
import java.net.InetAddress;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.security.servlet.EndpointRequest;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.autoconfigure.web.ServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;

/**
 * Who may use the HTTP API. With {@code capstan.api.keys} set, every request needs one of the keys (see
 * {@link ApiKeyFilter} for how it is sent), except health ({@code /actuator/health}, for load balancers and
 * orchestrators), the demo meeting page ({@code /demo}, which the recorder's own browser opens) and the API's
 * OpenAPI description ({@code /v3/api-docs}, {@code /swagger-ui.html}). Without keys
 * (the zero-configuration default) everything is open, and a warning says so when the server listens beyond loopback.
 *
 * <p>The API is stateless: no session, no cookie, and so no CSRF token (the one ambient credential, Basic, is guarded
 * against cross-site changes in {@link ApiKeyFilter}).
 */
@Configuration(proxyBeanMethods = false)
class ApiSecurityConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ApiSecurityConfiguration.class);
    /** The OpenAPI description and Swagger UI (springdoc's default paths). */
    static final String[] OPEN_API_DOCS = {"/v3/api-docs", "/v3/api-docs/**", "/v3/api-docs.yaml", "/swagger-ui.html",
            "/swagger-ui/**"};

    @Bean
    ApiKeyAuthenticationProvider apiKeyAuthenticationProvider(ApiProperties api) {
        return new ApiKeyAuthenticationProvider(new ApiKeys(api.keys()));
    }

    @Bean
    SecurityFilterChain apiSecurity(HttpSecurity http, ApiProperties api, ApiKeyAuthenticationProvider provider,
            ObjectMapper json, ObjectProvider<ServerProperties> server) throws Exception {
        http.csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable);
        if (!api.keysConfigured()) {
            exposureWarning(false, Optional.ofNullable(server.getIfAvailable()).map(ServerProperties::getAddress))
                    .ifPresent(log::warn);
            return http.authorizeHttpRequests(requests -> requests.anyRequest().permitAll()).build();
        }
        ApiAuthenticationEntryPoint unauthorized = new ApiAuthenticationEntryPoint(json);
        return http
                .addFilterBefore(new ApiKeyFilter(provider), BasicAuthenticationFilter.class)
                .exceptionHandling(exceptions -> exceptions.authenticationEntryPoint(unauthorized))
                .authorizeHttpRequests(requests -> requests
                        // Dispatches inside a request that was already let in: its error page, a forward, async.
                        .dispatcherTypeMatchers(DispatcherType.ERROR, DispatcherType.FORWARD, DispatcherType.INCLUDE,
                                DispatcherType.ASYNC).permitAll()
                        .requestMatchers(EndpointRequest.to(HealthEndpoint.class)).permitAll()
                        .requestMatchers(DemoPageController.PATH).permitAll()
                        // The API's description (springdoc): what the endpoints are, nothing they hold.
                        .requestMatchers(OPEN_API_DOCS).permitAll()
                        // Jibri's own API has no authentication; it answers only on its loopback port (JibriHttpPort).
                        .requestMatchers(JibriHttpApi.PATH + "/**").permitAll()
                        .anyRequest().authenticated())
                .build();
    }

    /**
     * The warning for an open API reachable from other hosts: no keys and an address that is not loopback (none at
     * all means every address).
     */
    static Optional<String> exposureWarning(boolean keysConfigured, Optional<InetAddress> address) {
        if (keysConfigured || address.map(InetAddress::isLoopbackAddress).orElse(false)) {
            return Optional.empty();
        }
        String where = address.map(InetAddress::getHostAddress).orElse("every address");
        return Optional.of("the HTTP API is open to anyone who can reach " + where + " (server.address): no API keys "
                + "are configured. Set capstan.api.keys, or keep server.address on 127.0.0.1");
    }
}
