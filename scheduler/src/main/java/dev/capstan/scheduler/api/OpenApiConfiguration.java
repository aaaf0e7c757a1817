package dev.capstan.scheduler.api;

import dev.capstan.recorder.slot.PauseRefusedException;
import dev.capstan.scheduler.api.problem.ApiProblem;
import dev.capstan.scheduler.jibri.JibriHttpApi;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.NumberSchema;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.ProblemDetail;

/**
 * The API's OpenAPI description ({@code /v3/api-docs}, browsable at {@code /swagger-ui.html}, both open without a
 * key): what springdoc finds in the controllers, with Capstan's title, the two ways an API key is sent, and the
 * problem answers of the {@link ApiProblem} catalogue. Jibri's HTTP API is left out: it is served on its own port.
 */
@Configuration(proxyBeanMethods = false)
class OpenApiConfiguration {

    static final String BEARER = "bearer";
    static final String API_KEY = "apiKey";
    private static final String PROBLEM = ProblemDetail.class.getSimpleName();

    static {
        // Jackson writes these as a number or null, not as the object springdoc sees in their getters.
        SpringDocUtils.getConfig().replaceWithSchema(OptionalDouble.class, new NumberSchema().format("double"))
                .replaceWithSchema(OptionalInt.class, new IntegerSchema().format("int32"))
                .replaceWithSchema(OptionalLong.class, new IntegerSchema().format("int64"));
    }

    @Bean
    OpenAPI capstanOpenApi() {
        return new OpenAPI()
                .info(new Info().title("Capstan").version("v1").description("Recording and live streaming for video "
                        + "meetings: start, follow and stop recordings; search, play and delete them. Errors are "
                        + "application/problem+json with a stable code; bad request bodies list every wrong field "
                        + "in errors."))
                .components(new Components()
                        .addSecuritySchemes(BEARER, new SecurityScheme().type(SecurityScheme.Type.HTTP)
                                .scheme("bearer").description("Authorization: Bearer <key> (capstan.api.keys)"))
                        .addSecuritySchemes(API_KEY, new SecurityScheme().type(SecurityScheme.Type.APIKEY)
                                .in(SecurityScheme.In.HEADER).name("X-Api-Key")))
                .addSecurityItem(new SecurityRequirement().addList(BEARER))
                .addSecurityItem(new SecurityRequirement().addList(API_KEY));
    }

    /**
     * Drops Jibri's HTTP API (not served on this port), and gives every API operation the answers any of them can
     * get: 401 without a key, 500 for a failure of the server's own. Every status of the catalogue is answered with
     * the problem schema, which lists the fields a problem really has.
     */
    @Bean
    OpenApiCustomizer problemAnswers() {
        return api -> {
            api.getPaths().keySet().removeIf(path -> path.startsWith(JibriHttpApi.PATH));
            api.getComponents().addSchemas(PROBLEM, problemSchema());
            Set<String> problemStatuses = Arrays.stream(ApiProblem.values())
                    .map(problem -> Integer.toString(problem.status().value())).collect(Collectors.toSet());
            api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, operation) -> {
                if (path.startsWith("/api/")) {
                    answers(operation, "401", "no valid API key (when keys are configured)");
                    answers(operation, "500", "the server failed; its log says why under the problem's incident");
                }
                operation.getResponses().forEach((status, response) -> {
                    if (problemStatuses.contains(status) && status.compareTo("400") >= 0) {
                        response.setContent(new Content().addMediaType(
                                org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON_VALUE,
                                new MediaType().schema(new Schema<>().$ref("#/components/schemas/" + PROBLEM))));
                    }
                });
            }));
        };
    }

    private static void answers(Operation operation, String status, String description) {
        if (!operation.getResponses().containsKey(status)) {
            operation.getResponses().addApiResponse(status, new ApiResponse().description(description));
        }
    }

    /** RFC 9457's fields and the catalogue's own: springdoc would show ProblemDetail's Java getters instead. */
    private static Schema<?> problemSchema() {
        Schema<?> fieldError = new ObjectSchema()
                .addProperty("field", new StringSchema().description("as the caller wrote it: url, streams[1]"))
                .addProperty("message", new StringSchema());
        return new ObjectSchema().description("an error (application/problem+json)")
                .addProperty("type", new StringSchema())
                .addProperty("title", new StringSchema().description("the status' reason phrase"))
                .addProperty("status", new IntegerSchema().format("int32"))
                .addProperty("detail", new StringSchema().description("what was wrong, written for the caller"))
                .addProperty("instance", new StringSchema().description("the request's path"))
                .addProperty("code", new StringSchema().description("the kind of error, stable: branch on it")
                        ._enum(Arrays.stream(ApiProblem.values()).map(ApiProblem::code).toList()))
                .addProperty("errors", new ArraySchema().items(fieldError)
                        .description("400 for a request body: every wrong field"))
                .addProperty("busyReason", new StringSchema().description("503 for a start: why the node is busy"))
                .addProperty("incident", new StringSchema().description("500: where to look in the server's log"))
                .addProperty("reason", new StringSchema().description("409 for a pause or resume: why it was refused,"
                        + " stable: branch on it")._enum(Arrays.stream(PauseRefusedException.Reason.values())
                        .map(PauseRefusedException.Reason::wireName).toList()))
                .addProperty("media", new StringSchema().description("410 for a live preview: the finished file"))
                .addProperty("node", new StringSchema().description("409 for a live preview: the node recording it"))
                .required(List.of("status", "title"));
    }
}
