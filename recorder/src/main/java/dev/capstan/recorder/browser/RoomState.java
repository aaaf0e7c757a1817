package dev.capstan.recorder.browser;

import java.util.List;

/**
 * What the recorder sees of the meeting at one moment.
 *
 * @param participants  who is there to be recorded (hidden participants and the recorder itself are left out)
 * @param allMuted      every participant has both sound and picture muted (true when there is no one); a phone
 *                      participant (Jigasi) never counts as muted, as in Jibri
 * @param downloadKbps  what the recorder receives, in kbit/s; negative when the page does not say
 * @param joined        the recorder is still in the conference (false once it left, was kicked, or the
 *                      conference ended)
 * @param everyoneSeen  everyone visible since the recorder joined, in the order they were first seen, including
 *                      those who came and went between two looks
 */
public record RoomState(List<Participant> participants, boolean allMuted, long downloadKbps, boolean joined,
        List<Participant> everyoneSeen) {

    public RoomState {
        participants = List.copyOf(participants);
        everyoneSeen = List.copyOf(everyoneSeen);
    }

    /** A look at the room by itself, without a record of who came and went before. */
    public RoomState(List<Participant> participants, boolean allMuted, long downloadKbps, boolean joined) {
        this(participants, allMuted, downloadKbps, joined, participants);
    }

    /** Nobody the recording would show is there. */
    public boolean empty() {
        return participants.isEmpty();
    }

    /** The page reports what it receives. */
    public boolean knowsBitrate() {
        return downloadKbps >= 0;
    }
}
