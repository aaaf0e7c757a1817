package dev.capstan.recorder.tracks;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Each remote speaker's sound in files of their own, beside the composite recording, and who was audible when. The
 * recorder keeps it as {@value #MANIFEST} in the recording's directory; the archive files it from there. Times are
 * milliseconds on the recording's timeline, where 0 is the composite's first frame.
 *
 * @param capture  whether the page gave its tracks
 * @param detail   why not, or what went wrong; empty when all went well
 * @param speakers everyone who was heard, in the order their sound first arrived
 * @param timeline who was audible when, in order of time (the speaker timeline)
 */
public record SpeakerTracks(Capture capture, String detail, List<Speaker> speakers, List<Audible> timeline) {

    /** Where the files go, below the recording's directory. */
    public static final String DIRECTORY = "tracks";
    /** The manifest, relative to the recording's directory. */
    public static final String MANIFEST = DIRECTORY + "/tracks.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public SpeakerTracks {
        Objects.requireNonNull(capture, "capture");
        detail = detail == null ? "" : detail;
        speakers = listed(speakers);
        timeline = listed(timeline);
    }

    /** The page offers no tracks (it is not a Jitsi Meet conference): the composite is recorded as always. */
    public static SpeakerTracks notOffered(String why) {
        return new SpeakerTracks(Capture.NOT_OFFERED, why, List.of(), List.of());
    }

    /** Whether the page gave its tracks; stored and sent by these names. */
    public enum Capture {
        /** Each speaker's sound was taken from the page. */
        CAPTURED("captured"),
        /** The page has no tracks to give (not a Jitsi Meet conference). */
        NOT_OFFERED("not-offered"),
        /** The page broke the track capture; the composite recording went on regardless. */
        FAILED("failed");

        private final String wireName;

        Capture(String wireName) {
            this.wireName = wireName;
        }

        @JsonValue
        public String wireName() {
            return wireName;
        }

        @JsonCreator
        public static Capture ofWireName(String name) {
            for (Capture capture : values()) {
                if (capture.wireName.equals(name)) {
                    return capture;
                }
            }
            throw new IllegalArgumentException("unknown track capture " + name);
        }
    }

    /**
     * One person, across their joins.
     *
     * @param id             the speaker's id in this recording ({@code s1}, {@code s2}, …); names the files
     * @param displayName    the name shown in the meeting when last seen, empty if none
     * @param key            who the person is across joins: a token's user id, else the statistics id, else the
     *                       conference id of the first join
     * @param participantIds the conference ids they had, one per join
     * @param parts          the files of their sound; a new one begins when their sound comes back after a leave
     * @param present        when they were in the meeting
     * @param muted          when their microphone was muted
     * @param audible        when their sound was above the silence threshold
     */
    public record Speaker(String id, String displayName, String key, List<String> participantIds, List<Part> parts,
            List<Span> present, List<Span> muted, List<Span> audible) {

        public Speaker {
            Objects.requireNonNull(id, "id");
            displayName = displayName == null ? "" : displayName;
            Objects.requireNonNull(key, "key");
            participantIds = listed(participantIds);
            parts = listed(parts);
            present = listed(present);
            muted = listed(muted);
            audible = listed(audible);
        }
    }

    /**
     * One file of a speaker's sound (Opus in Ogg, taken as the page received it).
     *
     * @param number     1 for the first part of a speaker, then 2, …
     * @param file       the file, relative to the recording's directory ({@code tracks/s1-1.ogg})
     * @param offsetMs   where the file's start lies on the recording's timeline
     * @param durationMs how long the file plays
     * @param bytes      its length
     */
    public record Part(int number, String file, long offsetMs, long durationMs, long bytes) {

        public Part {
            if (number < 1) {
                throw new IllegalArgumentException("part numbers start at 1: " + number);
            }
            Objects.requireNonNull(file, "file");
        }

        public long endMs() {
            return offsetMs + durationMs;
        }
    }

    /** A stretch of the recording's timeline, in milliseconds. */
    public record Span(long fromMs, long toMs) {

        public Span {
            if (toMs < fromMs) {
                throw new IllegalArgumentException("a span ends after it begins: " + fromMs + ".." + toMs);
            }
        }
    }

    /** A stretch in which one speaker was audible: an entry of the speaker timeline. */
    public record Audible(String speakerId, String displayName, long fromMs, long toMs) {

        static final Comparator<Audible> BY_TIME =
                Comparator.comparingLong(Audible::fromMs).thenComparing(Audible::speakerId);
    }

    /** A list as given, or empty when a manifest leaves it out. */
    private static <T> List<T> listed(List<T> items) {
        return items == null ? List.of() : List.copyOf(items);
    }

    /** Every file of every speaker, relative to the recording's directory. */
    public List<String> files() {
        return speakers.stream().flatMap(speaker -> speaker.parts().stream()).map(Part::file).toList();
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (IOException e) {
            throw new IllegalStateException("speaker tracks cannot be written as JSON", e);
        }
    }

    public static SpeakerTracks fromJson(String json) throws IOException {
        return JSON.readValue(json, SpeakerTracks.class);
    }

    /** Writes the manifest into {@code recordingDirectory}, whole or not at all. */
    public void writeTo(Path recordingDirectory) throws IOException {
        Path manifest = recordingDirectory.resolve(MANIFEST);
        Files.createDirectories(manifest.getParent());
        Path partial = manifest.resolveSibling("tracks.json.partial");
        Files.writeString(partial, toJson());
        Files.move(partial, manifest, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The manifest in {@code recordingDirectory}, if the recorder wrote one. */
    public static Optional<SpeakerTracks> readFrom(Path recordingDirectory) throws IOException {
        Path manifest = recordingDirectory.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            return Optional.empty();
        }
        return Optional.of(fromJson(Files.readString(manifest)));
    }
}
