package dev.capstan.scheduler.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Reads the API key of a request, from the first of {@code Authorization: Bearer <key>}, {@code X-Api-Key: <key>}
 * and {@code Authorization: Basic} (any user name, the key as password) that is present, and authenticates the
 * request when the key is a configured one. A request without a valid key stays anonymous; the authorization rules
 * then answer 401 where a key is needed. Nothing here logs a header or a key.
 *
 * <p>Basic credentials are ambient (the browser sends them on its own once the user typed them), so a request that
 * changes something and comes from another site ({@code Sec-Fetch-Site: cross-site} or {@code same-site}) is not
 * authenticated by them: no other site can make a logged-in browser delete a recording. Bearer and X-Api-Key are
 * never sent by a browser on its own.
 */
final class ApiKeyFilter extends OncePerRequestFilter {

    static final String API_KEY_HEADER = "X-Api-Key";
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    private final AuthenticationProvider provider;
    private final SecurityContextHolderStrategy contexts = SecurityContextHolder.getContextHolderStrategy();

    ApiKeyFilter(AuthenticationProvider provider) {
        this.provider = provider;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Optional<String> key = presentedKey(request);
        if (key.isPresent()) {
            try {
                Authentication verified = provider.authenticate(ApiKeyAuthentication.presented(key.get()));
                SecurityContext context = contexts.createEmptyContext();
                context.setAuthentication(verified);
                contexts.setContext(context);
            } catch (AuthenticationException wrongKey) {
                contexts.clearContext();
            }
        }
        chain.doFilter(request, response);
    }

    static Optional<String> presentedKey(HttpServletRequest request) {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        Optional<String> bearer = credentials(authorization, "Bearer");
        if (bearer.isPresent()) {
            return bearer;
        }
        String apiKey = request.getHeader(API_KEY_HEADER);
        if (apiKey != null && !apiKey.isBlank()) {
            return Optional.of(apiKey.strip());
        }
        return credentials(authorization, "Basic").flatMap(ApiKeyFilter::basicPassword)
                .filter(password -> !crossSiteChange(request));
    }

    private static Optional<String> credentials(String authorization, String scheme) {
        if (authorization == null || authorization.length() <= scheme.length()
                || !authorization.regionMatches(true, 0, scheme + " ", 0, scheme.length() + 1)) {
            return Optional.empty();
        }
        String value = authorization.substring(scheme.length() + 1).strip();
        return value.isEmpty() ? Optional.empty() : Optional.of(value);
    }

    /** The password of {@code user:password}, Base64-encoded; the user name is anything. */
    private static Optional<String> basicPassword(String encoded) {
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        return colon < 0 || colon == decoded.length() - 1 ? Optional.empty() : Optional.of(decoded.substring(colon + 1));
    }

    private static boolean crossSiteChange(HttpServletRequest request) {
        if (SAFE_METHODS.contains(request.getMethod().toUpperCase(Locale.ROOT))) {
            return false;
        }
        String site = request.getHeader("Sec-Fetch-Site");
        return site != null && !site.equalsIgnoreCase("same-origin") && !site.equalsIgnoreCase("none");
    }
}
