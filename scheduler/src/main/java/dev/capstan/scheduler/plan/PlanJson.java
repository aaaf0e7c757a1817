package dev.capstan.scheduler.plan;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.capstan.recorder.browser.CallLogin;
import dev.capstan.recorder.live.InvalidStreamUrlException;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;

/**
 * A {@link RecordingPlan} as JSON: what a scheduler sends a remote node and keeps with the session. Its own mapper,
 * so that the wire does not change with the application's JSON settings. Stream addresses are written whole (the
 * node needs their keys), so this JSON is never logged or shown; a login handed in by a requester is never written.
 */
public final class PlanJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new Jdk8Module())
            .addModule(new JavaTimeModule())
            .addModule(new SimpleModule("capstan-plan")
                    .addSerializer(StreamUrl.class, new StreamUrlSerializer())
                    .addDeserializer(StreamUrl.class, new StreamUrlDeserializer())
                    .addSerializer(RecordingId.class, new RecordingIdSerializer())
                    .addDeserializer(RecordingId.class, new RecordingIdDeserializer())
                    .addSerializer(CallLogin.class, new GivenLoginRefusal()))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private PlanJson() {
    }

    /**
     * @throws IllegalArgumentException for a plan that must not leave this process (a login handed in)
     */
    public static String write(RecordingPlan plan) {
        try {
            return MAPPER.writeValueAsString(plan);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("the plan of " + plan.id() + " cannot be written: "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * @throws MalformedPlanException naming what is wrong (never a stream address)
     */
    public static RecordingPlan read(String json) throws MalformedPlanException {
        try {
            return MAPPER.readValue(json, RecordingPlan.class);
        } catch (IOException | RuntimeException e) {
            throw new MalformedPlanException(e instanceof JsonProcessingException processing
                    ? processing.getOriginalMessage() : String.valueOf(e.getMessage()), e);
        }
    }

    /** A plan that cannot be read. */
    public static final class MalformedPlanException extends Exception {

        MalformedPlanException(String message, Throwable cause) {
            super("malformed recording plan: " + message, cause);
        }
    }

    private static final class StreamUrlSerializer extends JsonSerializer<StreamUrl> {
        @Override
        public void serialize(StreamUrl url, JsonGenerator json, SerializerProvider provider) throws IOException {
            json.writeString(url.reveal());
        }
    }

    private static final class StreamUrlDeserializer extends JsonDeserializer<StreamUrl> {
        @Override
        public StreamUrl deserialize(JsonParser json, DeserializationContext context) throws IOException {
            try {
                return StreamUrl.parse(json.getValueAsString());
            } catch (InvalidStreamUrlException e) {
                // Its message masks the address.
                throw JsonMappingException.from(json, e.getMessage());
            }
        }
    }

    private static final class RecordingIdSerializer extends JsonSerializer<RecordingId> {
        @Override
        public void serialize(RecordingId id, JsonGenerator json, SerializerProvider provider) throws IOException {
            json.writeString(id.value());
        }
    }

    private static final class RecordingIdDeserializer extends JsonDeserializer<RecordingId> {
        @Override
        public RecordingId deserialize(JsonParser json, DeserializationContext context) throws IOException {
            try {
                return RecordingId.of(json.getValueAsString());
            } catch (IllegalArgumentException e) {
                throw JsonMappingException.from(json, e.getMessage());
            }
        }
    }

    private static final class GivenLoginRefusal extends JsonSerializer<CallLogin> {
        @Override
        public void serialize(CallLogin login, JsonGenerator json, SerializerProvider provider) throws IOException {
            throw JsonMappingException.from(json, "a login handed in by its requester stays in this process");
        }
    }
}
