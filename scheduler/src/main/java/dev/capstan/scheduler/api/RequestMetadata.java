package dev.capstan.scheduler.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A start's {@code metadata}: the caller's own data about the recording, kept with it (the catalog's app data),
 * and returned in its status, events and webhooks. A JSON object of at most {@value #MAX_BYTES} bytes (as compact
 * JSON) and {@value #MAX_KEYS} keys in all (nested ones counted), nested at most {@value #MAX_DEPTH} objects deep;
 * values are strings, numbers, booleans or objects (no arrays, no nulls: they would mean different things to
 * different consumers). Keys are 1 to {@value #MAX_KEY_LENGTH} characters without control characters. A top-level
 * {@code file_recording_metadata} object goes into the recording's {@code metadata.json}, as Jicofo's does.
 */
final class RequestMetadata {

    static final int MAX_BYTES = 8 * 1024;
    static final int MAX_KEYS = 50;
    static final int MAX_DEPTH = 4;
    static final int MAX_KEY_LENGTH = 100;
    static final String FIELD = "metadata";

    private static final ObjectMapper JSON = new ObjectMapper();

    private RequestMetadata() {
    }

    /** The metadata as an unmodifiable map (nested objects too), or empty when absent or wrong (with errors). */
    static Optional<Map<String, Object>> check(JsonNode node, List<InvalidRequestException.FieldError> errors) {
        if (node == null || node.isNull()) {
            return Optional.of(Map.of());
        }
        if (!node.isObject()) {
            errors.add(new InvalidRequestException.FieldError(FIELD, "must be a JSON object, such as "
                    + "{\"course\": \"math-101\"}"));
            return Optional.empty();
        }
        int before = errors.size();
        int keys = count(node, FIELD, 1, errors);
        if (errors.size() > before) {
            return Optional.empty();
        }
        if (keys > MAX_KEYS) {
            errors.add(new InvalidRequestException.FieldError(FIELD, "has " + keys + " keys (nested ones counted); "
                    + "at most " + MAX_KEYS + " are allowed"));
            return Optional.empty();
        }
        int bytes;
        try {
            bytes = JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8).length;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed JSON tree always serializes", e);
        }
        if (bytes > MAX_BYTES) {
            errors.add(new InvalidRequestException.FieldError(FIELD, "is " + bytes + " bytes as JSON; at most "
                    + MAX_BYTES + " (8 KiB) are allowed"));
            return Optional.empty();
        }
        return Optional.of(map(node));
    }

    /** Counts the keys below {@code object}, adding an error for each one that breaks the rules. */
    private static int count(JsonNode object, String path, int depth, List<InvalidRequestException.FieldError> errors) {
        int keys = 0;
        for (Iterator<Map.Entry<String, JsonNode>> fields = object.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            keys++;
            String key = field.getKey();
            String where = path + "." + shown(key);
            if (key.isEmpty() || key.length() > MAX_KEY_LENGTH || key.chars().anyMatch(Character::isISOControl)) {
                errors.add(new InvalidRequestException.FieldError(where, "keys are 1 to " + MAX_KEY_LENGTH
                        + " characters without control characters"));
                continue;
            }
            JsonNode value = field.getValue();
            if (value.isObject()) {
                if (depth >= MAX_DEPTH) {
                    errors.add(new InvalidRequestException.FieldError(where, "nests objects deeper than "
                            + MAX_DEPTH + " levels"));
                } else {
                    keys += count(value, where, depth + 1, errors);
                }
            } else if (!(value.isTextual() || value.isNumber() || value.isBoolean())) {
                errors.add(new InvalidRequestException.FieldError(where, "must be a string, number, boolean or "
                        + "object, not " + (value.isArray() ? "an array" : value.isNull() ? "null" : "this")));
            }
        }
        return keys;
    }

    private static Map<String, Object> map(JsonNode object) {
        Map<String, Object> map = new LinkedHashMap<>();
        object.fields().forEachRemaining(field -> {
            JsonNode value = field.getValue();
            map.put(field.getKey(), value.isObject() ? map(value)
                    : value.isTextual() ? value.asText()
                    : value.isBoolean() ? value.asBoolean()
                    : value.numberValue());
        });
        return Collections.unmodifiableMap(map);
    }

    private static String shown(String key) {
        String bounded = key.length() > 40 ? key.substring(0, 40) + "…" : key;
        return bounded.replaceAll("\\p{Cntrl}", "?");
    }
}
