package dev.capstan.scheduler.security;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.api.problem.ApiProblem;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;

/**
 * The answer to a request without a valid API key: 401 with a problem detail ({@code application/problem+json}). The
 * same answer whether the key was missing or wrong, so it tells nothing about which keys exist.
 *
 * <p>Programs are challenged with {@code Bearer}. Browsers are challenged with {@code Basic}, which they understand: a
 * page opened by a person ({@code Accept} prefers {@code text/html}) makes the browser ask for the key once, and the
 * page's own requests ({@code Sec-Fetch-Site: same-origin}: its fetches, {@code <video>} and {@code <img>}) are
 * answered from what the browser remembers for the realm, without asking again.
 */
final class ApiAuthenticationEntryPoint implements AuthenticationEntryPoint {

    static final String REALM = "capstan";
    static final String DETAIL = "an API key is required: send Authorization: Bearer <key>";

    private final ObjectMapper json;

    ApiAuthenticationEntryPoint(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException cause)
            throws IOException {
        ProblemDetail problem = ApiProblem.UNAUTHORIZED.answer(DETAIL);
        problem.setInstance(URI.create(request.getRequestURI()));
        response.setStatus(ApiProblem.UNAUTHORIZED.status().value());
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE,
                (fromBrowser(request) ? "Basic" : "Bearer") + " realm=\"" + REALM + "\"");
        response.setHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }

    static boolean fromBrowser(HttpServletRequest request) {
        return "same-origin".equalsIgnoreCase(request.getHeader("Sec-Fetch-Site"))
                || prefersHtml(request.getHeader(HttpHeaders.ACCEPT));
    }

    /** Whether the type {@code accept} prefers most (wildcards aside; the first of equals) is {@code text/html}. */
    static boolean prefersHtml(String accept) {
        if (accept == null || accept.isBlank()) {
            return false;
        }
        List<MediaType> types;
        try {
            types = MediaType.parseMediaTypes(accept);
        } catch (InvalidMediaTypeException unreadable) {
            return false;
        }
        MediaType preferred = null;
        for (MediaType type : types) {
            boolean concrete = !type.isWildcardType() && !type.isWildcardSubtype();
            if (concrete && (preferred == null || type.getQualityValue() > preferred.getQualityValue())) {
                preferred = type;
            }
        }
        return preferred != null && preferred.getQualityValue() > 0 && preferred.isCompatibleWith(MediaType.TEXT_HTML);
    }
}
