package dev.capstan.scheduler.plan;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.net.URI;
import java.util.Objects;
import java.util.Optional;

/** What the recorder opens. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Meeting.Page.class, name = "page"),
    @JsonSubTypes.Type(value = Meeting.JitsiRoom.class, name = "jitsi-room")})
public sealed interface Meeting {

    /** The address the browser loads; it may carry a token, so it is shown only without its query. */
    URI address();

    /** A web page, opened as it is. */
    record Page(URI address) implements Meeting {

        public Page {
            Objects.requireNonNull(address, "address");
        }
    }

    /**
     * A Jitsi meeting, joined as Jibri joins it: hidden with its login, muted, and announced in the room's presence
     * with the session's id and mode.
     *
     * @param rtcstatsEnabled Jicofo's {@code rtcstats_enabled}, passed on to the page
     * @param statsName       the name the page reports its statistics under (Jibri's own id)
     * @param viewUrl         where viewers watch its live stream (presence {@code live-stream-view-url})
     */
    record JitsiRoom(URI address, Login login, Optional<Boolean> rtcstatsEnabled, String statsName,
            Optional<String> viewUrl) implements Meeting {

        public JitsiRoom {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(login, "login");
            Objects.requireNonNull(rtcstatsEnabled, "rtcstatsEnabled");
            Objects.requireNonNull(statsName, "statsName");
            Objects.requireNonNull(viewUrl, "viewUrl");
        }
    }
}
