package dev.capstan.recorder.browser;

import java.util.Objects;
import java.util.Optional;

/**
 * Someone in the meeting whom the recording shows: neither hidden (recorders, transcribers) nor hidden from
 * recorders by their token.
 *
 * @param id          the participant's id in the conference (its MUC nickname); new at every join
 * @param displayName the name shown in the meeting, empty if none
 * @param identity    what the participant's JWT says about them, if it has a context
 */
public record Participant(String id, String displayName, Optional<Identity> identity) {

    public Participant {
        Objects.requireNonNull(id, "id");
        displayName = displayName == null ? "" : displayName;
        Objects.requireNonNull(identity, "identity");
    }

    public static Participant of(String id, String displayName) {
        return new Participant(id, displayName, Optional.empty());
    }

    /** Who the person is across joins: the token's user id when there is one, else the conference id. */
    public String key() {
        return identity.flatMap(Identity::userId).map(user -> "user:" + user).orElse("id:" + id);
    }

    /**
     * The JWT {@code context} of a participant, as jitsi-meet passes it on ({@code JitsiParticipant.getIdentity()}),
     * which Jibri writes into its metadata.
     */
    public record Identity(Optional<String> userId, Optional<String> name, Optional<String> email,
            Optional<String> avatar, Optional<String> group) {

        public Identity {
            Objects.requireNonNull(userId, "userId");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(email, "email");
            Objects.requireNonNull(avatar, "avatar");
            Objects.requireNonNull(group, "group");
        }
    }
}
