package dev.capstan.scheduler.security;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code capstan.api.*}: who may use the HTTP API.
 *
 * @param keys the API keys the operator hands out; empty (the default) leaves the API open, which is safe only while
 *             the server listens on loopback (see {@code server.address})
 */
@ConfigurationProperties("capstan.api")
public record ApiProperties(@DefaultValue List<String> keys) {

    public ApiProperties {
        keys = keys == null ? List.of() : List.copyOf(keys);
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i) == null || keys.get(i).isBlank()) {
                throw new IllegalArgumentException("capstan.api.keys[" + i + "] is empty; every API key needs a value");
            }
        }
    }

    public boolean keysConfigured() {
        return !keys.isEmpty();
    }

    /** Never the keys themselves: this record may end up in a log or an error message. */
    @Override
    public String toString() {
        return "ApiProperties[keys=" + keys.size() + " configured]";
    }
}
