package dev.capstan.recorder.browser;

import java.security.SecureRandom;
import java.util.Objects;

/**
 * The XMPP account the recorder joins the meeting with, usually on the hidden domain so that participants do not see
 * it (Jibri's {@code call-login}).
 *
 * @param randomizeUsername add {@code -<8 random letters and digits>} to the user name at every join, so that many
 *                          recorders can share one account without their resources clashing
 */
public record CallLogin(String domain, String username, String password, boolean randomizeUsername) {

    private static final String ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    public CallLogin {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(username, "username");
        Objects.requireNonNull(password, "password");
    }

    /** The login as jitsi-meet's {@code xmpp_username_override} takes it: {@code username[-xxxxxxxx]@domain}. */
    public String xmppUsername() {
        return randomizeUsername ? username + "-" + randomSuffix() + "@" + domain : username + "@" + domain;
    }

    private static String randomSuffix() {
        StringBuilder suffix = new StringBuilder(8);
        for (int i = 0; i < 8; i++) {
            suffix.append(ALPHANUMERIC.charAt(RANDOM.nextInt(ALPHANUMERIC.length())));
        }
        return suffix.toString();
    }

    /** Never shows the password: logins end up in logs. */
    @Override
    public String toString() {
        return "CallLogin[domain=" + domain + ", username=" + username + ", password=*****, randomizeUsername="
                + randomizeUsername + "]";
    }
}
