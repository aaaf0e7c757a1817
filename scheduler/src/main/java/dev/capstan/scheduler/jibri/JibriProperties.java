package dev.capstan.scheduler.jibri;

import dev.capstan.recorder.browser.CallLogin;
import dev.capstan.recorder.browser.LoginDelivery;
import dev.capstan.recorder.slot.AutoStop;
import dev.capstan.scheduler.plan.Login;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code capstan.jibri.*}: Capstan as a pool of Jibris for an unmodified Jicofo. The shape follows {@code jibri.conf}
 * ({@code environments}, {@code control-login}, {@code control-muc}, {@code call-login}, ...) so an operator can
 * copy their values across. With no environment configured nothing connects.
 *
 * @param environments      the XMPP deployments (shards) to serve, like Jibri's {@code api.xmpp.environments}
 * @param loginDelivery     how the hidden-domain login reaches jitsi-meet: {@code url-hash} (Jibri since Nov 2025,
 *                          one page load) or {@code local-storage} (older Jibri: open the base URL, set
 *                          localStorage, then navigate; for jitsi-meet builds without useHostPageLocalStorage)
 * @param joinTimeout       how long the browser may take to join the conference (Jibri: 30 s)
 * @param callStatusChecks  when a recording ends by itself
 * @param httpApi           Jibri's HTTP API ({@code /jibri/api/v1.0/...})
 * @param speakerTracks     whether the file recordings Jicofo and Jibri's HTTP API ask for also keep each remote
 *                          speaker's sound in files of its own (neither protocol can ask for it)
 */
@ConfigurationProperties("capstan.jibri")
public record JibriProperties(
        @DefaultValue List<Environment> environments,
        @DefaultValue("url-hash") LoginDelivery loginDelivery,
        @DefaultValue("30s") Duration joinTimeout,
        @DefaultValue CallStatusChecks callStatusChecks,
        @DefaultValue HttpApi httpApi,
        @DefaultValue("false") boolean speakerTracks) {

    public JibriProperties {
        environments = List.copyOf(environments);
    }

    /**
     * One XMPP deployment.
     *
     * @param xmppServerHosts     one connection set per host ({@code host} or {@code host:port}), like Jibri's shards
     * @param baseUrl             the meeting site; {@code https://<xmpp-domain>} when empty
     * @param nickname            prefix of this node's brewery nicks ({@code <nickname>-<n>}, one per slot); must be
     *                            unique per node; the host name when empty
     * @param callLogin           the hidden-domain account the browser joins the meeting with; none when unset
     * @param usageTimeout        longest recording; 0 means no limit
     * @param securityMode        {@code required}, {@code ifpossible} or {@code disabled}; empty means required, or
     *                            ifpossible for a loopback host (Jibri's rule)
     */
    public record Environment(
            String name,
            List<String> xmppServerHosts,
            String xmppDomain,
            Optional<String> baseUrl,
            ControlLogin controlLogin,
            ControlMuc controlMuc,
            CallLogin callLogin,
            @DefaultValue("conference.") String stripFromRoomDomain,
            @DefaultValue("0s") Duration usageTimeout,
            @DefaultValue("true") boolean trustAllXmppCerts,
            Optional<String> securityMode) {

        public Environment {
            // A half-configured environment fails start-up with the missing keys named, not later with an NPE.
            List<String> missing = new java.util.ArrayList<>();
            if (name == null || name.isBlank()) {
                missing.add("name");
            }
            if (xmppServerHosts == null || xmppServerHosts.isEmpty()) {
                missing.add("xmpp-server-hosts");
            }
            if (xmppDomain == null || xmppDomain.isBlank()) {
                missing.add("xmpp-domain");
            }
            if (controlLogin == null || blank(controlLogin.domain()) || blank(controlLogin.username())
                    || controlLogin.password() == null) {
                missing.add("control-login.{domain,username,password}");
            }
            if (controlMuc == null || blank(controlMuc.domain()) || blank(controlMuc.roomName())) {
                missing.add("control-muc.{domain,room-name}");
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("a Jibri environment needs " + String.join(", ", missing));
            }
            xmppServerHosts = List.copyOf(xmppServerHosts);
            // Spring leaves absent Optionals of list elements null.
            baseUrl = baseUrl == null ? Optional.empty() : baseUrl;
            securityMode = securityMode == null ? Optional.empty() : securityMode;
            stripFromRoomDomain = stripFromRoomDomain == null ? "" : stripFromRoomDomain;
            usageTimeout = usageTimeout == null ? Duration.ZERO : usageTimeout;
        }

        /** How a plan names this environment's call login: by name, so that the password never travels. */
        public Login login() {
            return callLogin == null ? new Login.Guest() : new Login.OfEnvironment(name);
        }

        /** The longest recording, if it is limited. */
        public Optional<Duration> recordingLimit() {
            return usageTimeout.isZero() || usageTimeout.isNegative() ? Optional.empty() : Optional.of(usageTimeout);
        }

        private static boolean blank(String text) {
            return text == null || text.isBlank();
        }
    }

    /** The account that joins the brewery. */
    public record ControlLogin(String domain, String username, String password, @DefaultValue("5222") int port) {

        @Override
        public String toString() {
            return username + "@" + domain + ":" + port;
        }
    }

    /** The brewery MUC Jicofo picks Jibris from. */
    public record ControlMuc(String domain, String roomName, Optional<String> nickname) {

        public ControlMuc {
            nickname = nickname == null ? Optional.empty() : nickname;
        }
    }

    /**
     * Jibri's {@code call-status-checks}, checked every {@code interval} (Jibri: 15 s, so an empty room took up to
     * 45 s to end).
     */
    public record CallStatusChecks(
            @DefaultValue("5s") Duration interval,
            @DefaultValue("30s") Duration callEmptyTimeout,
            @DefaultValue("10m") Duration allMutedTimeout,
            @DefaultValue("3m") Duration noMediaTimeout) {

        /** How the recorder applies these checks. */
        public AutoStop toAutoStop() {
            return new AutoStop(interval, callEmptyTimeout, allMutedTimeout, noMediaTimeout);
        }
    }

    /**
     * Jibri's external HTTP API: its own port, on loopback by default (as Jibri since May 2026).
     *
     * @param port 0 picks a free port (tests)
     */
    public record HttpApi(
            @DefaultValue("true") boolean enabled,
            @DefaultValue("127.0.0.1") String host,
            @DefaultValue("2222") int port) {
    }
}
