package dev.capstan.recorder.browser;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.openqa.selenium.JavascriptException;
import org.openqa.selenium.WebDriverException;

/**
 * A Jitsi Meet conference, joined the way Jibri joins it: as a hidden, muted participant whose page is configured
 * through the URL hash and whose login jitsi-meet finds in its local storage.
 *
 * @param meetingUrl       {@code base/[tenant/]room}, without a hash
 * @param login            the account to join with (usually on the hidden domain); without one the page joins
 *                         however the deployment lets anonymous guests in
 * @param delivery         how the login reaches the page
 * @param presence         elements added to the recorder's presence once joined ({@code session_id},
 *                         {@code mode}, {@code live-stream-view-url}): how the meeting learns a recording is on
 * @param rtcstatsEnabled  Jicofo's {@code rtcstats_enabled}, passed on to the page when given
 * @param callStatsUserName the name under which the page reports statistics (Jibri: its id, or {@code jibri})
 * @param joinTimeout      how long the page may take to be in the conference once loaded (Jibri: 30 s)
 */
public record JitsiMeetPage(
        URI meetingUrl,
        Optional<CallLogin> login,
        LoginDelivery delivery,
        Map<String, String> presence,
        Optional<Boolean> rtcstatsEnabled,
        String callStatsUserName,
        Duration joinTimeout) implements MeetingPage {

    /** Jibri's {@code RECORDING_URL_OPTIONS}, in Jibri's order: a muted, hidden recorder with no prompts. */
    public static final List<String> RECORDING_URL_OPTIONS = List.of(
            "config.analytics.disabled=true",
            "config.disableInitialGUM=true",
            "config.externalConnectUrl=null",
            "config.iAmRecorder=true",
            "config.p2p.enabled=false",
            "config.prejoinConfig.enabled=false",
            "config.requireDisplayName=false",
            "config.deeplinking.disabled=true",
            "config.startWithAudioMuted=true",
            "config.startWithVideoMuted=true",
            "interfaceConfig.APP_NAME=\"Jibri\"");

    /** How long Jibri waits for {@code isJoined()}. */
    public static final Duration JIBRI_JOIN_TIMEOUT = Duration.ofSeconds(30);

    private static final Duration JOIN_POLL_INTERVAL = Duration.ofMillis(200);
    /** The storage content in the hash, up to the first character encodeURIComponent would have escaped. */
    private static final Pattern LOCAL_STORAGE_CONTENT =
            Pattern.compile("appData\\.localStorageContent=[A-Za-z0-9\\-_.!~*'()%]*");

    public JitsiMeetPage {
        Objects.requireNonNull(meetingUrl, "meetingUrl");
        if (meetingUrl.getRawFragment() != null) {
            throw new IllegalArgumentException("the meeting URL must not have a hash: " + meetingUrl);
        }
        Objects.requireNonNull(login, "login");
        Objects.requireNonNull(delivery, "delivery");
        // Presence elements go out in the order given, as Jibri sends them.
        presence.forEach((name, value) -> {
            Objects.requireNonNull(name, "presence element name");
            Objects.requireNonNull(value, () -> "value of presence element " + name);
        });
        presence = Collections.unmodifiableMap(new LinkedHashMap<>(presence));
        Objects.requireNonNull(rtcstatsEnabled, "rtcstatsEnabled");
        Objects.requireNonNull(callStatsUserName, "callStatsUserName");
        if (joinTimeout.isNegative() || joinTimeout.isZero()) {
            throw new IllegalArgumentException("joinTimeout must be positive: " + joinTimeout);
        }
    }

    /** A meeting joined as Jibri joins it by default: the login in the URL hash, 30 s to join, nothing in presence. */
    public static JitsiMeetPage of(URI meetingUrl, Optional<CallLogin> login) {
        return new JitsiMeetPage(meetingUrl, login, LoginDelivery.URL_HASH, Map.of(), Optional.empty(), "jibri",
                JIBRI_JOIN_TIMEOUT);
    }

    /**
     * The meeting with its hash, as logged and kept in the metadata: everything the browser opens except the login.
     * Characters a URI may not hold ({@code "}) are percent-encoded, which the browser does to the hash anyway.
     */
    @Override
    public URI address() {
        return withHash(publicHashParams());
    }

    /**
     * What the browser really opens; holds the password when the login travels in the hash. Never log it. With a
     * randomized user name every call gives another name.
     */
    public URI navigationUrl() {
        return navigationUrl(login.map(CallLogin::xmppUsername));
    }

    private URI navigationUrl(Optional<String> xmppUsername) {
        List<String> params = publicHashParams();
        if (delivery == LoginDelivery.URL_HASH) {
            // JSON in a JSON string: the hash parser parses every value once, jitsi-meet's storage setup again.
            params.add("appData.localStorageContent="
                    + encodeUriComponent(quote(object(localStorageItems(xmppUsername)))));
        }
        return withHash(params);
    }

    /** Hash parameters that may be shown anywhere. */
    private List<String> publicHashParams() {
        List<String> params = new ArrayList<>(RECORDING_URL_OPTIONS);
        rtcstatsEnabled.ifPresent(enabled -> params.add("config.analytics.rtcstatsEnabled=" + enabled));
        if (delivery == LoginDelivery.URL_HASH) {
            params.add("config.useHostPageLocalStorage=true");
        }
        return params;
    }

    private URI withHash(List<String> params) {
        return URI.create(meetingUrl + "#" + String.join("&", params).replace("\"", "%22"));
    }

    /**
     * What jitsi-meet must find in its local storage, in Jibri's order: the display name and email (empty: the
     * recorder is hidden), the statistics name, and the login.
     */
    private Map<String, String> localStorageItems(Optional<String> xmppUsername) {
        Map<String, String> items = new LinkedHashMap<>();
        items.put("displayname", "");
        items.put("email", "");
        items.put("callStatsUserName", callStatsUserName.isEmpty() ? "jibri" : callStatsUserName);
        login.ifPresent(account -> {
            items.put("xmpp_username_override", xmppUsername.orElseGet(account::xmppUsername));
            items.put("xmpp_password_override", account.password());
        });
        return items;
    }

    @Override
    public void join(Browser browser) throws NavigationException {
        // One user name for the whole join, even when it is randomized.
        Optional<String> xmppUsername = login.map(CallLogin::xmppUsername);
        try {
            navigate(browser, xmppUsername);
            awaitJoined(browser);
            announce(browser);
            startTrackingParticipants(browser);
        } catch (NavigationException e) {
            throw new NavigationException(e.problem(), redact(e.getMessage()));
        } catch (WebDriverException e) {
            // Selenium's messages may quote the command, and with it the address that holds the password.
            throw new WebDriverException(redact(Browser.firstLine(e)));
        }
    }

    private void navigate(Browser browser, Optional<String> xmppUsername) throws NavigationException {
        if (delivery == LoginDelivery.URL_HASH) {
            browser.open(navigationUrl(xmppUsername));
            return;
        }
        // The old way: the meeting site's own page first, for its origin's local storage, then the meeting.
        URI home = meetingUrl.resolve(".");
        browser.open(home);
        Object origin = browser.script("return location.origin");
        String expected = meetingUrl.getScheme() + "://" + meetingUrl.getRawAuthority();
        if (!expected.equals(origin)) {
            throw new NavigationException(NavigationException.Problem.UNREACHABLE,
                    home + " led to " + origin + ", so the login cannot be stored for " + expected);
        }
        List<List<String>> items = new ArrayList<>();
        localStorageItems(xmppUsername).forEach((key, value) -> items.add(List.of(key, value)));
        browser.script(JitsiMeetScripts.STORE_LOCALLY, items);
        browser.open(navigationUrl(xmppUsername));
    }

    /** Jibri's join check: {@code APP.conference._room.isJoined()}, polled until it is true or time is up. */
    private void awaitJoined(Browser browser) throws NavigationException {
        long deadline = System.nanoTime() + joinTimeout.toNanos();
        String lastAnswer = "no answer yet";
        while (true) {
            Object answer;
            try {
                answer = browser.script(JitsiMeetScripts.IS_JOINED);
            } catch (JavascriptException e) {
                // The page may be between documents (jitsi-meet reloads or redirects itself while starting).
                answer = Browser.firstLine(e);
            }
            if (Boolean.TRUE.equals(answer)) {
                return;
            }
            lastAnswer = answer == null ? "not joined yet" : String.valueOf(answer);
            if (System.nanoTime() >= deadline) {
                throw new NavigationException(NavigationException.Problem.NOT_JOINED,
                        address() + " was not joined within " + joinTimeout.toSeconds() + " s (last answer: "
                                + lastAnswer + ")");
            }
            sleep(JOIN_POLL_INTERVAL);
        }
    }

    /** Tells the meeting a recording is on: the elements go into the recorder's presence, which is sent again. */
    private void announce(Browser browser) throws NavigationException {
        if (presence.isEmpty()) {
            return;
        }
        List<List<String>> elements = new ArrayList<>();
        presence.forEach((name, value) -> elements.add(List.of(name, value)));
        Object answer = browser.script(JitsiMeetScripts.ADD_TO_PRESENCE, elements);
        if (!Boolean.TRUE.equals(answer)) {
            throw new NavigationException(NavigationException.Problem.NOT_JOINED,
                    address() + " was joined, but the recorder's presence could not be set: " + answer);
        }
    }

    private void startTrackingParticipants(Browser browser) throws NavigationException {
        Object answer = browser.script(JitsiMeetScripts.TRACK_PARTICIPANTS);
        if (!Boolean.TRUE.equals(answer)) {
            throw new NavigationException(NavigationException.Problem.NOT_JOINED,
                    address() + " was joined, but its participants cannot be followed: " + answer);
        }
    }

    @Override
    public Optional<RoomState> probe(Browser browser) {
        Object answer = browser.script(JitsiMeetScripts.PROBE);
        return JitsiMeetScripts.roomState(answer);
    }

    @Override
    public TrackOffer tracks(Browser browser) {
        return JitsiMeetTracks.start(browser);
    }

    /** A message without the login: the hash's storage content and the password itself are masked. */
    String redact(String message) {
        String redacted = LOCAL_STORAGE_CONTENT.matcher(message).replaceAll("appData.localStorageContent=*****");
        if (login.isPresent() && !login.get().password().isEmpty()) {
            redacted = redacted.replace(login.get().password(), "*****");
        }
        return redacted;
    }

    private static void sleep(Duration pause) throws NavigationException {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NavigationException(NavigationException.Problem.NOT_JOINED, "interrupted while joining");
        }
    }

    /** A flat JSON object of strings, keys in the given order. */
    static String object(Map<String, String> items) {
        StringBuilder json = new StringBuilder("{");
        items.forEach((key, value) -> {
            if (json.length() > 1) {
                json.append(',');
            }
            json.append(quote(key)).append(':').append(quote(value));
        });
        return json.append('}').toString();
    }

    /**
     * A JSON string. Besides what JSON requires, {@code &} and everything beyond ASCII are written as {@code \\u}
     * escapes: jitsi-meet's hash parser turns {@code \&} into {@code &} and curly quotes into straight ones before
     * parsing, which would corrupt a password holding them.
     */
    static String quote(String text) {
        StringBuilder json = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e || c == '&') {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }

    /** JavaScript's {@code encodeURIComponent}: everything but {@code A-Z a-z 0-9 - _ . ! ~ * ' ( )} is escaped. */
    static String encodeUriComponent(String text) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || "-_.!~*'()".indexOf(c) >= 0) {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(String.format("%02X", c));
            }
        }
        return encoded.toString();
    }
}
