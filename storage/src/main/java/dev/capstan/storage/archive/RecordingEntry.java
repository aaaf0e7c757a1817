package dev.capstan.storage.archive;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One recording as the catalog knows it: an immutable snapshot. Times have microsecond precision, like the
 * database's.
 *
 * @param id               the recording's id
 * @param room             the room name or JID, if known
 * @param meetingUrl       the meeting's URL
 * @param sessionId        Jicofo's session id, if any
 * @param mode             file or stream
 * @param status           where the recording is in its life
 * @param statusDetail     why it failed or is partial, or how far its upload is
 * @param startedAt        when capture started
 * @param endedAt          when capture ended, once it has
 * @param duration         the recorded media's length, once known
 * @param sizeBytes        the stored media object's size, once stored
 * @param checksum         its SHA-256 as hex, once stored (if computed)
 * @param location         where the media object is (the store), once stored
 * @param mediaKey         the media object's key in that store, once stored
 * @param thumbnailKey     the thumbnail's key, if there is one
 * @param participantsJson the participants, a JSON array as text ({@code []} until set)
 * @param appDataJson      application data, a JSON object as text ({@code {}} when none)
 * @param createdAt        when the catalog first recorded it
 * @param updatedAt        when the catalog last changed it
 * @param version          incremented by every change
 * @param parent           for a later part of a session, the top-level recording it belongs to; empty for that one
 * @param part             which part of its session this is: 1 for a top-level recording
 * @param loss             the media it lacks and why: present for a PARTIAL recording (from when capture ended,
 *                         once measured) and a FAILED one whose time on is known; empty for a READY one
 * @param deliveredFps     the distinct frames per second its file holds, once capture has ended (when known)
 * @param salvaging        while a scheduler salvages it (its node vanished; see {@link Catalog#takeOver}), why;
 *                         empty otherwise
 * @param tracksJson       the speaker-tracks manifest filed with it (a JSON object as text: each speaker's files and
 *                         the speaker timeline), for a recording that was asked for them
 * @param pausesJson       its pauses (a JSON array as text: when each began and ended, where in the file), for a
 *                         recording that was paused
 */
public record RecordingEntry(
        RecordingId id,
        Optional<String> room,
        String meetingUrl,
        Optional<String> sessionId,
        RecordingMode mode,
        RecordingStatus status,
        Optional<String> statusDetail,
        Instant startedAt,
        Optional<Instant> endedAt,
        Optional<Duration> duration,
        Optional<Long> sizeBytes,
        Optional<String> checksum,
        Optional<String> location,
        Optional<String> mediaKey,
        Optional<String> thumbnailKey,
        String participantsJson,
        String appDataJson,
        Instant createdAt,
        Instant updatedAt,
        long version,
        Optional<RecordingId> parent,
        int part,
        Optional<MediaLoss> loss,
        Optional<Double> deliveredFps,
        Optional<String> salvaging,
        Optional<String> tracksJson,
        Optional<String> pausesJson) {

    /**
     * Seconds of media lost, as the API and webhooks show them: zero for a READY recording, its loss's for one that
     * has a loss, empty while that is not known (still recording or uploading, or settled before losses were kept).
     */
    public Optional<Double> lostSeconds() {
        if (status == RecordingStatus.READY) {
            return Optional.of(0.0);
        }
        return loss.map(MediaLoss::lostSeconds);
    }

    /** The loss's cause by its wire name ({@code encoder-died}), if it has one. */
    public Optional<String> lossCause() {
        return loss.map(lost -> lost.cause().wireName());
    }

    /** The recording the catalog lists for this one's session: its parent, or itself. */
    public RecordingId top() {
        return parent.orElse(id);
    }
}
