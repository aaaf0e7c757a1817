package dev.capstan.scheduler.pool;

import java.time.Duration;
import java.util.Optional;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code capstan.fleet.*}: how this process takes part in a fleet of hosts. Schedulers and recorder nodes meet in a
 * MUC on the operator's own XMPP server (the Prosody a Jitsi deployment already runs): a node's presence there
 * carries its capacity, load and recordings; schedulers send it commands as IQs. Sessions and the catalog are
 * shared through PostgreSQL.
 *
 * @param role             {@code standalone} (one host, the default), {@code scheduler} or {@code node}
 * @param presenceInterval how often a node re-publishes its progress while it records
 */
@ConfigurationProperties("capstan.fleet")
public record FleetProperties(
        @DefaultValue("standalone") Role role,
        @DefaultValue Xmpp xmpp,
        @DefaultValue("2s") Duration presenceInterval) {

    public enum Role {
        STANDALONE, SCHEDULER, NODE
    }

    /**
     * @param domain   the XMPP domain the account logs in to, e.g. {@code auth.meet.jitsi}
     * @param room     the pool MUC, e.g. {@code capstanpool@internal-muc.meet.jitsi}
     * @param nickname this process's name in the pool; the host name when unset
     * @param trustAllCertificates for a Prosody with a self-signed certificate on a private network
     */
    public record Xmpp(
            @DefaultValue("localhost") String host,
            @DefaultValue("5222") int port,
            String domain,
            String username,
            String password,
            String room,
            String nickname,
            @DefaultValue("false") boolean requireTls,
            @DefaultValue("false") boolean trustAllCertificates) {

        public Optional<String> nicknameIfSet() {
            return Optional.ofNullable(nickname).filter(name -> !name.isBlank());
        }

        @Override
        public String toString() {
            // Never the password.
            return username + "@" + domain + " via " + host + ":" + port + " in " + room;
        }
    }

    public boolean isScheduler() {
        return role == Role.SCHEDULER;
    }
}
