package dev.capstan.scheduler.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.api.problem.ApiProblem;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * Requests refused before they reach a controller, such as ids with encoded slashes or dots ({@code ..%2F}),
 * get the same JSON problem as every other bad request, not a server's HTML page.
 */
@Configuration(proxyBeanMethods = false)
class RejectedRequests {

    /** Tomcat would refuse an encoded slash itself, with HTML; let Spring Security's firewall refuse it instead. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> encodedSlashesReachTheFirewall() {
        return factory -> factory.addConnectorCustomizers(connector -> connector.setEncodedSolidusHandling("passthrough"));
    }

    @Bean
    RequestRejectedHandler jsonRequestRejectedHandler(ObjectMapper json) {
        return (request, response, rejected) -> {
            ProblemDetail problem = ApiProblem.INVALID_ID.answer(
                    "the request path is not allowed: encoded slashes, dots or percent signs cannot appear in ids");
            response.setStatus(ApiProblem.INVALID_ID.status().value());
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            json.writeValue(response.getOutputStream(), problem);
        };
    }
}
