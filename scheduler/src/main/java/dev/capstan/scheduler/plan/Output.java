package dev.capstan.scheduler.plan;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.capstan.recorder.live.StreamUrl;
import java.util.Objects;

/** One thing a recording makes from its single encode. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Output.File.class, name = "file"),
    @JsonSubTypes.Type(value = Output.Stream.class, name = "stream"),
    @JsonSubTypes.Type(value = Output.AudioFile.class, name = "audio"),
    @JsonSubTypes.Type(value = Output.SpeakerTracks.class, name = "speaker-tracks")})
public sealed interface Output {

    /** The crash-safe file in the archive. */
    record File() implements Output {
    }

    /**
     * The crash-safe file in the archive with the page's sound only: no picture is grabbed or encoded. It is a
     * kind of its own, not a flag on {@link File}, so that it cannot be combined with a picture or a stream by
     * accident, and a node that does not know it refuses the plan by name instead of recording video.
     */
    record AudioFile() implements Output {
    }

    /**
     * Each remote speaker's sound in files of their own, beside the recording's file (with or without picture), when
     * the page offers its tracks. A kind of its own, so that a node that does not know it refuses the plan by name
     * instead of recording without the tracks asked for.
     */
    record SpeakerTracks() implements Output {
    }

    /** A live stream to one RTMP(S) destination; its address holds a stream key and only ever shows masked. */
    record Stream(StreamUrl url) implements Output {

        public Stream {
            Objects.requireNonNull(url, "url");
        }
    }
}
