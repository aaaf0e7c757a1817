package dev.capstan.scheduler.jibri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.capstan.recorder.browser.CallLogin;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** jibri.conf's shape as properties: defaults where Jibri has them, and a clear error for a half-set environment. */
class JibriPropertiesTest {

    private static JibriProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("capstan.jibri", JibriProperties.class);
    }

    /** The least an environment needs. */
    private static final Map<String, String> ENVIRONMENT = Map.of(
            "capstan.jibri.environments[0].name", "prod",
            "capstan.jibri.environments[0].xmpp-server-hosts[0]", "10.0.0.1",
            "capstan.jibri.environments[0].xmpp-domain", "meet.example.com",
            "capstan.jibri.environments[0].control-login.domain", "auth.meet.example.com",
            "capstan.jibri.environments[0].control-login.username", "jibri",
            "capstan.jibri.environments[0].control-login.password", "pw",
            "capstan.jibri.environments[0].control-muc.domain", "internal.auth.meet.example.com",
            "capstan.jibri.environments[0].control-muc.room-name", "JibriBrewery");

    @Test
    void anEnvironmentGetsJibrisDefaults() {
        JibriProperties properties = bind(ENVIRONMENT);

        JibriProperties.Environment environment = properties.environments().get(0);
        assertThat(environment.stripFromRoomDomain()).isEqualTo("conference.");
        assertThat(environment.usageTimeout()).isZero();
        assertThat(environment.trustAllXmppCerts()).isTrue();
        assertThat(environment.controlLogin().port()).isEqualTo(5222);
        assertThat(environment.baseUrl()).isEmpty();
        assertThat(environment.securityMode()).isEmpty();
        assertThat(environment.controlMuc().nickname()).isEmpty();
        assertThat(environment.controlLogin().toString()).doesNotContain("pw");
        assertThat(properties.callStatusChecks().interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(properties.callStatusChecks().callEmptyTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(properties.httpApi().port()).isEqualTo(2222);
        assertThat(properties.httpApi().host()).isEqualTo("127.0.0.1");
    }

    @Test
    void aCallLoginBindsAsTheRecordersWithoutRandomizingByDefault() {
        Map<String, String> properties = new HashMap<>(ENVIRONMENT);
        properties.put("capstan.jibri.environments[0].call-login.domain", "recorder.meet.example.com");
        properties.put("capstan.jibri.environments[0].call-login.username", "recorder");
        properties.put("capstan.jibri.environments[0].call-login.password", "pw");

        assertThat(bind(properties).environments().get(0).callLogin())
                .isEqualTo(new CallLogin("recorder.meet.example.com", "recorder", "pw", false));
        assertThat(bind(ENVIRONMENT).environments().get(0).callLogin()).isNull();
    }

    @Test
    void aHalfSetCallLoginFailsNamingWhatIsMissing() {
        Map<String, String> properties = new HashMap<>(ENVIRONMENT);
        properties.put("capstan.jibri.environments[0].call-login.domain", "recorder.meet.example.com");
        properties.put("capstan.jibri.environments[0].call-login.username", "recorder");

        assertThatThrownBy(() -> bind(properties))
                .isInstanceOf(BindException.class)
                .hasMessageContaining("capstan.jibri.environments[0].call-login")
                .rootCause().hasMessage("password");
    }

    @Test
    void noEnvironmentMeansNoXmpp() {
        assertThat(bind(Map.of()).environments()).isEmpty();
    }

    @Test
    void aHalfSetEnvironmentNamesWhatIsMissing() {
        assertThatThrownBy(() -> bind(Map.of("capstan.jibri.environments[0].name", "prod",
                "capstan.jibri.environments[0].xmpp-domain", "meet.example.com")))
                .isInstanceOf(BindException.class)
                .rootCause().hasMessageContaining("xmpp-server-hosts")
                .hasMessageContaining("control-login.{domain,username,password}")
                .hasMessageContaining("control-muc.{domain,room-name}");
    }
}
