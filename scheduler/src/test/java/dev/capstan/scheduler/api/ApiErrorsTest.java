package dev.capstan.scheduler.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import com.fasterxml.jackson.databind.JsonNode;
import dev.capstan.recorder.node.BusyReason;
import dev.capstan.scheduler.api.problem.ApiProblem;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What a client sees of an error: a problem of the catalogue with its status and code, never an exception's own
 * text. A JDK exception from deep inside (an illegal state change, say) is a 500 whose detail only names the
 * incident; its message and stack go to the log.
 */
@ExtendWith(OutputCaptureExtension.class)
class ApiErrorsTest {

    private static final String SECRET = "illegal transition Pending -> Done in slot 3";

    @RestController
    static class Failing {

        @GetMapping("/state")
        String state() {
            throw new IllegalStateException(SECRET);
        }

        @GetMapping("/argument")
        String argument() {
            throw new IllegalArgumentException(SECRET);
        }

        @GetMapping("/conflict")
        String conflict() {
            throw new ApiException(ApiProblem.STREAM_CONFLICT, "recording r1: this recording is not capturing");
        }

        @GetMapping("/busy")
        String busy() {
            throw new CannotStartException("no recording slot is free", Optional.of(BusyReason.values()[0]));
        }

        @GetMapping("/fields")
        String fields() {
            throw new InvalidRequestException(List.of(new InvalidRequestException.FieldError("url", "is required"),
                    new InvalidRequestException.FieldError("mode", "must be file, stream or both")));
        }

        @GetMapping("/page")
        String page(@RequestParam int page) {
            return "page " + page;
        }

        @PostMapping(path = "/json", consumes = MediaType.APPLICATION_JSON_VALUE)
        String json() {
            return "taken";
        }
    }

    private final MockMvc mvc = MockMvcBuilders.standaloneSetup(new Failing()).setControllerAdvice(new FrameworkProblems(), new ApiErrors())
            .build();

    private MockHttpServletResponse answer(MockHttpServletRequestBuilder request) throws Exception {
        return mvc.perform(request).andReturn().getResponse();
    }

    private static JsonNode problem(MockHttpServletResponse response, int status, ApiProblem kind) throws Exception {
        assertThat(response.getStatus()).as(response.getContentAsString()).isEqualTo(status);
        assertThat(response.getContentType()).startsWith(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        JsonNode problem = ControlApi.JSON.readTree(response.getContentAsString());
        assertThat(problem.at("/status").asInt()).isEqualTo(status);
        assertThat(problem.at("/code").asText()).isEqualTo(kind.code());
        assertThat(problem.at("/detail").asText()).isNotBlank();
        return problem;
    }

    @Test
    void anUnexpectedExceptionIsA500ThatKeepsItsMessageAndStackInTheLog(CapturedOutput log) throws Exception {
        for (String path : List.of("/state", "/argument")) {
            MockHttpServletResponse response = answer(get(path));
            JsonNode problem = problem(response, 500, ApiProblem.INTERNAL_ERROR);
            assertThat(response.getContentAsString()).doesNotContain(SECRET).doesNotContain("Exception");
            String incident = problem.at("/incident").asText();
            assertThat(problem.at("/detail").asText()).contains(incident);
            assertThat(log.getAll()).contains("incident " + incident).contains(SECRET).contains("\tat ");
        }
    }

    @Test
    void aRefusalOfTheCatalogueKeepsItsStatusAndDetail() throws Exception {
        JsonNode conflict = problem(answer(get("/conflict")), 409, ApiProblem.STREAM_CONFLICT);
        assertThat(conflict.at("/detail").asText()).isEqualTo("recording r1: this recording is not capturing");
        assertThat(conflict.at("/title").asText()).isEqualTo("Conflict");

        MockHttpServletResponse busy = answer(get("/busy"));
        JsonNode cannotStart = problem(busy, 503, ApiProblem.CANNOT_START);
        assertThat(busy.getHeader("Retry-After")).isEqualTo("10");
        assertThat(cannotStart.at("/busyReason").asText()).isEqualTo(BusyReason.values()[0].name());

        JsonNode fields = problem(answer(get("/fields")), 400, ApiProblem.INVALID_REQUEST);
        assertThat(fields.at("/errors/1/field").asText()).isEqualTo("mode");
        assertThat(fields.at("/detail").asText()).isEqualTo("url: is required (and 1 more: see errors)");
    }

    @Test
    void springsOwnRefusalsKeepTheirStatusWithACode() throws Exception {
        problem(answer(get("/page").param("page", "first")), 400, ApiProblem.INVALID_PARAMETER);
        problem(answer(post("/json").contentType(MediaType.TEXT_PLAIN).content("url=x")), 415,
                ApiProblem.UNSUPPORTED_MEDIA_TYPE);
        problem(answer(post("/state")), 405, ApiProblem.METHOD_NOT_ALLOWED);
    }
}
