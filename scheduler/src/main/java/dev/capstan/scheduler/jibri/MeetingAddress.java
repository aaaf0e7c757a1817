package dev.capstan.scheduler.jibri;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import org.jxmpp.jid.EntityBareJid;

/**
 * Jibri's rule for the meeting address of a conference room ({@code XmppUtils.getCallUrlInfoFromJid}): drop the
 * first occurrence of {@code stripFromRoomDomain} from the room's domain (ignoring case), whatever then precedes the
 * XMPP domain is the tenant, and the address is {@code base/[tenant/]room}, where base is {@code baseUrl} or
 * {@code https://<xmppDomain>}.
 */
public record MeetingAddress(String xmppDomain, String stripFromRoomDomain, Optional<String> baseUrl) {

    public MeetingAddress {
        stripFromRoomDomain = stripFromRoomDomain == null ? "" : stripFromRoomDomain;
    }

    /** @throws MalformedRequestException if the room is not below the XMPP domain */
    public URI of(EntityBareJid room) throws MalformedRequestException {
        String domain = removeFirstIgnoringCase(room.getDomain().toString(), stripFromRoomDomain);
        int at = domain.toLowerCase(Locale.ROOT).indexOf(xmppDomain.toLowerCase(Locale.ROOT));
        if (at < 0) {
            throw new MalformedRequestException("room " + room + " is not in the XMPP domain " + xmppDomain
                    + " (strip-from-room-domain '" + stripFromRoomDomain + "')");
        }
        String tenant = trimDots(domain.substring(0, at));
        String base = baseUrl.filter(url -> !url.isBlank()).orElse("https://" + xmppDomain);
        try {
            return below(new URI(base), (tenant.isEmpty() ? "" : tenant + "/") + room.getLocalpart());
        } catch (URISyntaxException e) {
            throw new MalformedRequestException("no meeting address for room " + room + ": " + e.getMessage());
        }
    }

    /**
     * {@code path} below {@code base}'s path (whose trailing slashes go); base's query and fragment are dropped.
     * What a path may not hold (spaces, non-ASCII room names) is quoted.
     */
    static URI below(URI base, String path) throws URISyntaxException {
        String basePath = Optional.ofNullable(base.getPath()).orElse("").replaceAll("/+$", "");
        return new URI(base.getScheme(), base.getRawAuthority(), basePath + "/" + path, null, null);
    }

    private static String removeFirstIgnoringCase(String text, String part) {
        if (part.isEmpty()) {
            return text;
        }
        int at = text.toLowerCase(Locale.ROOT).indexOf(part.toLowerCase(Locale.ROOT));
        return at < 0 ? text : text.substring(0, at) + text.substring(at + part.length());
    }

    private static String trimDots(String text) {
        int start = 0;
        int end = text.length();
        while (start < end && text.charAt(start) == '.') {
            start++;
        }
        while (end > start && text.charAt(end - 1) == '.') {
            end--;
        }
        return text.substring(start, end);
    }
}
