package dev.capstan.scheduler.fleet.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.capstan.recorder.live.StreamStats;
import java.util.List;

/** A recording's live destinations as a node answers them: masked addresses, as the API shows them. */
public final class StreamsJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder().addModule(new Jdk8Module())
            .addModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final TypeReference<List<StreamStats>> LIST = new TypeReference<>() {
    };

    private StreamsJson() {
    }

    public static String write(List<StreamStats> streams) {
        try {
            return MAPPER.writeValueAsString(streams);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("destinations cannot be written: " + e.getOriginalMessage(), e);
        }
    }

    /** @throws IllegalArgumentException when the node's answer cannot be read */
    public static List<StreamStats> read(String json) {
        try {
            return MAPPER.readValue(json, LIST);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("a node's destinations cannot be read: " + e.getOriginalMessage(), e);
        }
    }
}
