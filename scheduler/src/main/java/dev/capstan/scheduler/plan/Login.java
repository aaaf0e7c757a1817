package dev.capstan.scheduler.plan;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.capstan.recorder.browser.CallLogin;
import java.util.Objects;

/** How the recorder signs in to a Jitsi meeting's hidden domain, so that it joins as Jibri does, unseen. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Login.Guest.class, name = "guest"),
    @JsonSubTypes.Type(value = Login.OfEnvironment.class, name = "environment"),
    @JsonSubTypes.Type(value = Login.Given.class, name = "given")})
public sealed interface Login {

    /** As a guest: no hidden-domain account. */
    record Guest() implements Login {
    }

    /**
     * The call login of the Jibri environment of this name, taken from the recording host's own configuration:
     * a plan that travels to another node carries the name, never the password.
     */
    record OfEnvironment(String environment) implements Login {

        public OfEnvironment {
            Objects.requireNonNull(environment, "environment");
        }
    }

    /** A login its requester handed in (Jibri's HTTP API); such a plan never leaves this process. */
    record Given(CallLogin login) implements Login {

        public Given {
            Objects.requireNonNull(login, "login");
        }
    }
}
