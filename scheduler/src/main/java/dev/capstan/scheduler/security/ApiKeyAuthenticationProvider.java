package dev.capstan.scheduler.security;

import java.util.OptionalInt;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.CredentialsContainer;

/**
 * Checks a presented API key against {@code capstan.api.keys}. Being Capstan's only {@link AuthenticationProvider}, it
 * also keeps Spring Boot from creating its default user with a generated password (and logging that password).
 */
final class ApiKeyAuthenticationProvider implements AuthenticationProvider {

    private final ApiKeys keys;

    ApiKeyAuthenticationProvider(ApiKeys keys) {
        this.keys = keys;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        Object credentials = authentication.getCredentials();
        OptionalInt match = credentials instanceof String key ? keys.match(key) : OptionalInt.empty();
        if (authentication instanceof CredentialsContainer presented) {
            presented.eraseCredentials();
        }
        if (match.isEmpty()) {
            // Says nothing about the key: a wrong key and an unknown one are the same.
            throw new BadCredentialsException("invalid API key");
        }
        return ApiKeyAuthentication.verified(match.getAsInt());
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return ApiKeyAuthentication.class.isAssignableFrom(authentication);
    }
}
