package dev.capstan.scheduler.api;

import dev.capstan.recorder.slot.AutoStop;
import dev.capstan.scheduler.jibri.JibriProperties;
import dev.capstan.scheduler.jibri.MalformedRequestException;
import dev.capstan.scheduler.jibri.MeetingAddress;
import dev.capstan.scheduler.plan.Login;
import dev.capstan.scheduler.plan.Meeting;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import org.jxmpp.jid.EntityBareJid;
import org.springframework.stereotype.Component;

/**
 * Jitsi rooms given by JID ({@code myroom@conference.meet.example.com}): which meeting address they have and how
 * the recorder joins them. A Jibri environment whose XMPP domain the room is in gives the address by Jibri's rule
 * (its base URL and {@code strip-from-room-domain}, tenants included) and its call login, so the recorder joins as
 * Jibri's hidden participant; otherwise {@code capstan.control.meeting-base-url} gives the site, with the same
 * rule for {@code conference.} and tenants below the site's host.
 */
@Component
class MeetingRooms {

    /** Jitsi's usual MUC prefix, stripped when only a site is configured. */
    static final String CONFERENCE_PREFIX = "conference.";
    /** The name the page reports its statistics under, as Jibri reports its own id. */
    static final String STATS_NAME = "capstan";

    private final JibriProperties jibri;
    private final Optional<URI> site;

    MeetingRooms(JibriProperties jibri, ControlProperties control) {
        this.jibri = jibri;
        this.site = control.meetingSite();
    }

    /**
     * A room with its meeting address.
     *
     * @param environment the Jibri environment it belongs to: its call login joins the meeting
     */
    record Room(EntityBareJid jid, URI meeting, Optional<JibriProperties.Environment> environment) {

        /** The catalog's name for it, as Jibri names it: the room's local part. */
        String name() {
            return jid.getLocalpart().toString();
        }
    }

    /** The room's meeting, or why none is known (a message safe to show). */
    Result resolve(EntityBareJid jid) {
        for (JibriProperties.Environment environment : jibri.environments()) {
            if (inDomain(jid, environment.stripFromRoomDomain(), environment.xmppDomain())) {
                try {
                    URI meeting = new MeetingAddress(environment.xmppDomain(), environment.stripFromRoomDomain(),
                            environment.baseUrl()).of(jid);
                    return new Result.Found(new Room(jid, meeting, Optional.of(environment)));
                } catch (MalformedRequestException e) {
                    return new Result.Unknown("has no meeting address: " + e.getMessage());
                }
            }
        }
        if (site.isEmpty()) {
            return new Result.Unknown("is in no known Jitsi deployment: no Jibri environment has the XMPP domain "
                    + jid.getDomain() + " and capstan.control.meeting-base-url is not set");
        }
        URI base = site.get();
        try {
            if (inDomain(jid, CONFERENCE_PREFIX, base.getHost())) {
                return new Result.Found(new Room(jid, new MeetingAddress(base.getHost(), CONFERENCE_PREFIX,
                        Optional.of(base.toString())).of(jid), Optional.empty()));
            }
            String basePath = Optional.ofNullable(base.getPath()).orElse("").replaceAll("/+$", "");
            return new Result.Found(new Room(jid, new URI(base.getScheme(), base.getRawAuthority(),
                    basePath + "/" + jid.getLocalpart(), null, null), Optional.empty()));
        } catch (MalformedRequestException | URISyntaxException e) {
            return new Result.Unknown("has no meeting address at " + base + ": " + e.getMessage());
        }
    }

    /** What {@link #resolve} found. */
    sealed interface Result {

        record Found(Room room) implements Result {
        }

        record Unknown(String reason) implements Result {
        }
    }

    /**
     * The room as a plan's meeting: joined as Jibri joins it, hidden with its environment's call login (by name: the
     * recording host takes the password from its own configuration), muted, announced in presence.
     */
    Meeting meeting(Room room) {
        return new Meeting.JitsiRoom(room.meeting(),
                room.environment().map(JibriProperties.Environment::login).orElseGet(Login.Guest::new),
                Optional.empty(), STATS_NAME, Optional.empty());
    }

    /** A room's recording ends with its meeting, by Jibri's call-status checks (empty, all muted, no media). */
    AutoStop autoStop() {
        return jibri.callStatusChecks().toAutoStop();
    }

    /** Whether the room's domain, without the MUC prefix, is {@code domain} or below it. */
    private static boolean inDomain(EntityBareJid jid, String prefix, String domain) {
        String roomDomain = jid.getDomain().toString().toLowerCase(Locale.ROOT);
        String strip = prefix == null ? "" : prefix.toLowerCase(Locale.ROOT);
        int at = strip.isEmpty() ? -1 : roomDomain.indexOf(strip);
        String rest = at < 0 ? roomDomain : roomDomain.substring(0, at) + roomDomain.substring(at + strip.length());
        String wanted = domain.toLowerCase(Locale.ROOT);
        return rest.equals(wanted) || rest.endsWith("." + wanted);
    }
}
