package dev.capstan.scheduler.api;

import dev.capstan.recorder.tracks.SpeakerTracks;
import dev.capstan.scheduler.archive.RecordingPauses;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.List;
import java.util.Optional;

/**
 * A recording's speaker tracks as the API shows them: each remote speaker's sound in Ogg/Opus files of its own, on
 * the recording's timeline (milliseconds from the composite's first frame), and who was audible when.
 */
@Schema(name = "SpeakerTracks")
record SpeakerTracksView(
        String recordingId,
        @Schema(description = "captured (the page gave its tracks), not-offered (not a Jitsi meeting: the "
                + "composite alone was recorded) or failed (the page broke the capture; the composite went on)",
                allowableValues = {"captured", "not-offered", "failed"})
        String capture,
        @Schema(description = "why not, or what went wrong (a file that was missing when the recording was "
                + "filed); empty when all went well")
        String detail,
        @Schema(description = "everyone who was heard, in the order their sound first arrived")
        List<Speaker> speakers,
        @Schema(description = "who was audible when, in order of time")
        List<Audible> timeline) {

    /**
     * One person across their joins.
     *
     * @param participantIds their conference ids, one per join
     * @param parts          their files; a new part begins when their sound comes back after a leave
     */
    @Schema(name = "Speaker")
    record Speaker(String id, String displayName, List<String> participantIds, List<Part> parts,
            @Schema(description = "when they were in the meeting") List<Span> present,
            @Schema(description = "when their microphone was muted") List<Span> muted,
            @Schema(description = "when their sound was above the silence threshold") List<Span> audible) {
    }

    /** One file of a speaker's sound, played from {@code url} (Ogg/Opus, with byte ranges). */
    @Schema(name = "SpeakerPart")
    record Part(int number, long offsetMs, long durationMs, long bytes, String url) {
    }

    @Schema(name = "SpeakerSpan")
    record Span(long fromMs, long toMs) {
    }

    @Schema(name = "Audible", description = "a stretch in which one speaker was audible")
    record Audible(String speakerId, String displayName, long fromMs, long toMs) {
    }

    /**
     * A recording's timeline ({@code GET …/timeline}): who was audible when, for a recording with speaker tracks
     * ({@code capture} null and {@code timeline} empty for one without), and where it was paused.
     */
    @Schema(name = "SpeakerTimeline")
    record Timeline(String recordingId, String capture, List<Audible> timeline,
            @Schema(description = "each pause in order: pausedAt and resumedAt (wall time; resumedAt null for a "
                    + "recording that ended paused), positionSeconds (where in the file: the media after the pause "
                    + "begins there) and durationSeconds (null until resumed)")
            List<RecordingPauses.Pause> pauses) {
    }

    static SpeakerTracksView of(String recordingId, SpeakerTracks tracks) {
        String base = RecordingsController.PATH + "/" + recordingId + "/tracks/";
        return new SpeakerTracksView(recordingId, tracks.capture().wireName(), tracks.detail(),
                tracks.speakers().stream().map(speaker -> new Speaker(speaker.id(), speaker.displayName(),
                        speaker.participantIds(),
                        speaker.parts().stream().map(part -> new Part(part.number(), part.offsetMs(),
                                part.durationMs(), part.bytes(), base + speaker.id() + "/" + part.number())).toList(),
                        spans(speaker.present()), spans(speaker.muted()), spans(speaker.audible()))).toList(),
                timeline(tracks));
    }

    static Timeline timelineOf(String recordingId, Optional<SpeakerTracks> tracks, RecordingPauses pauses) {
        return new Timeline(recordingId, tracks.map(filed -> filed.capture().wireName()).orElse(null),
                tracks.map(SpeakerTracksView::timeline).orElse(List.of()), pauses.pauses());
    }

    private static List<Audible> timeline(SpeakerTracks tracks) {
        return tracks.timeline().stream()
                .map(entry -> new Audible(entry.speakerId(), entry.displayName(), entry.fromMs(), entry.toMs()))
                .toList();
    }

    private static List<Span> spans(List<SpeakerTracks.Span> spans) {
        return spans.stream().map(span -> new Span(span.fromMs(), span.toMs())).toList();
    }
}
