package dev.capstan.scheduler.security;

import java.util.List;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * A request's API key: unauthenticated while it is only presented, authenticated once it matched a configured key.
 * The principal is the key's position in {@code capstan.api.keys} ({@code api-key-1}, ...), never the key itself; the
 * presented key is dropped as soon as it has been checked.
 */
final class ApiKeyAuthentication extends AbstractAuthenticationToken {

    private final String principal;
    private String presentedKey;

    private ApiKeyAuthentication(String principal, String presentedKey, boolean authenticated) {
        super(authenticated ? List.of(new SimpleGrantedAuthority("ROLE_API")) : List.of());
        this.principal = principal;
        this.presentedKey = presentedKey;
        super.setAuthenticated(authenticated);
    }

    static ApiKeyAuthentication presented(String key) {
        return new ApiKeyAuthentication("unverified", key, false);
    }

    static ApiKeyAuthentication verified(int keyIndex) {
        return new ApiKeyAuthentication("api-key-" + (keyIndex + 1), null, true);
    }

    @Override
    public Object getPrincipal() {
        return principal;
    }

    @Override
    public Object getCredentials() {
        return presentedKey;
    }

    @Override
    public void eraseCredentials() {
        presentedKey = null;
        super.eraseCredentials();
    }

    @Override
    public void setAuthenticated(boolean authenticated) {
        if (authenticated) {
            throw new IllegalArgumentException("an API key is authenticated only by ApiKeyAuthenticationProvider");
        }
        super.setAuthenticated(false);
    }
}
