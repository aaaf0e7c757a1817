package dev.capstan.scheduler.plan;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import dev.capstan.recorder.live.StreamUrl;
import java.util.Objects;

/** One thing a recording makes from its single encode. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = Output.File.class, name = "file"),
    @JsonSubTypes.Type(value = Output.Stream.class, name = "stream")})
public sealed interface Output {

    /** The crash-safe file in the archive. */
    record File() implements Output {
    }

    /** A live stream to one RTMP(S) destination; its address holds a stream key and only ever shows masked. */
    record Stream(StreamUrl url) implements Output {

        public Stream {
            Objects.requireNonNull(url, "url");
        }
    }
}
