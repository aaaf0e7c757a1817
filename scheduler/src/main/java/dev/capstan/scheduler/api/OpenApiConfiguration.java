package dev.capstan.scheduler.api;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The API's OpenAPI description ({@code /v3/api-docs}, browsable at {@code /swagger-ui.html}, both open without a
 * key): what springdoc finds in the controllers, with Capstan's title and the two ways an API key is sent.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static final String BEARER = "bearer";
    static final String API_KEY = "apiKey";

    @Bean
    OpenAPI capstanOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Capstan").version("v1").description("Recording and live streaming for video "
                        + "meetings: start, follow and stop recordings; search, play and delete them. Errors are "
                        + "application/problem+json; bad request bodies list every wrong field in errors."))
                .components(new Components()
                        .addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer").description("Authorization: Bearer <key> (capstan.api.keys)"))
                        .addSecuritySchemes(API_KEY, new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                                .in(SecurityScheme.In.HEADER).name("X-Api-Key")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER))
                .addSecurityItem(new SecurityRequirement().addList(API_KEY));
    }
}
