package dev.capstan.scheduler.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.http.MediaType;

/**
 * The API's OpenAPI description read as a contract for real answers: which operations exist, which statuses each
 * may answer with, and whether a JSON answer has the documented fields with the documented JSON types.
 *
 * <p>Schemas are checked as OpenAPI is written in practice: a field that is not {@code required} may be absent or
 * null; an object with {@code properties} (and no {@code additionalProperties}) has no other fields; {@code $ref},
 * {@code allOf}, {@code oneOf}, {@code anyOf}, {@code enum} and the {@code date-time} format are understood.
 */
final class OpenApiDescription {

    private final JsonNode api;
    private final Set<String> answered = new TreeSet<>();
    private final Set<String> statusesSeen = new TreeSet<>();

    OpenApiDescription(JsonNode api) {
        this.api = api;
    }

    /** Every operation as {@code METHOD /path/{template}}. */
    Set<String> operations() {
        Set<String> operations = new TreeSet<>();
        api.path("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
            if (!method.equals("parameters")) {
                operations.add(method.toUpperCase() + " " + path.getKey());
            }
        }));
        return operations;
    }

    /** The operations no answer has been checked against yet. */
    Set<String> unanswered() {
        Set<String> left = new TreeSet<>(operations());
        left.removeAll(answered);
        return left;
    }

    /** The documented successes (2xx) no answer had: a status that may be a leftover of springdoc's default 200. */
    Set<String> successesNeverSeen() {
        Set<String> left = new TreeSet<>();
        for (String operation : operations()) {
            String[] methodAndTemplate = operation.split(" ", 2);
            api.path("paths").path(methodAndTemplate[1]).path(methodAndTemplate[0].toLowerCase()).path("responses")
                    .fieldNames().forEachRemaining(status -> {
                        if (status.startsWith("2") && !statusesSeen.contains(operation + " " + status)) {
                            left.add(operation + " " + status);
                        }
                    });
        }
        return left;
    }

    /**
     * What is wrong with an answer of {@code operation} ({@code GET /api/v1/recordings/{id}}) to {@code path}: an
     * operation or status that is not documented, a content type not documented for that status, a JSON body that
     * does not fit the documented schema. Empty when it is true to the description.
     */
    List<String> check(String operation, String path, int status, Optional<String> contentType, String body) {
        List<String> problems = new ArrayList<>();
        String[] methodAndTemplate = operation.split(" ", 2);
        String where = operation + " (" + path + ") answered " + status;
        JsonNode op = api.path("paths").path(methodAndTemplate[1]).path(methodAndTemplate[0].toLowerCase());
        if (op.isMissingNode()) {
            return List.of(operation + " is not in the description");
        }
        String pathOnly = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        if (!pathOnly.matches(methodAndTemplate[1].replaceAll("\\{[^}]+}", "[^/]+"))) {
            return List.of(path + " is not an instance of " + methodAndTemplate[1]);
        }
        answered.add(operation);
        statusesSeen.add(operation + " " + status);
        JsonNode response = resolve(op.path("responses").path(Integer.toString(status)));
        if (response.isMissingNode()) {
            problems.add(where + ", which is not among its documented statuses " + names(op.path("responses")));
            return problems;
        }
        JsonNode content = response.path("content");
        if (body.isEmpty()) {
            return problems;
        }
        if (content.isMissingNode() || content.isEmpty()) {
            problems.add(where + " with a body (" + contentType.orElse("no type") + "), documented as without one");
            return problems;
        }
        MediaType actual = MediaType.parseMediaType(contentType.orElse("application/octet-stream"));
        Optional<JsonNode> documented = mediaType(content, actual);
        if (documented.isEmpty()) {
            problems.add(where + " as " + actual + ", documented as " + names(content));
            return problems;
        }
        boolean json = actual.getSubtype().equals("json") || actual.getSubtype().endsWith("+json");
        if (json && documented.get().has("schema")) {
            try {
                fits(ControlApi.JSON.readTree(body), documented.get().path("schema"), where + " $", problems);
            } catch (JsonProcessingException e) {
                problems.add(where + " as " + actual + ", but the body is not JSON: " + body);
            }
        }
        return problems;
    }

    /** Checks a value (an event's data, say) against the schema documented for an answer's content. */
    List<String> checkValue(String operation, int status, String mediaType, JsonNode value) {
        String[] methodAndTemplate = operation.split(" ", 2);
        JsonNode schema = resolve(api.path("paths").path(methodAndTemplate[1]).path(methodAndTemplate[0].toLowerCase())
                .path("responses").path(Integer.toString(status))).path("content").path(mediaType).path("schema");
        if (schema.isMissingNode()) {
            return List.of(operation + " documents no " + mediaType + " schema for " + status);
        }
        List<String> problems = new ArrayList<>();
        fits(value, schema, operation + " " + mediaType + " $", problems);
        return problems;
    }

    private static Optional<JsonNode> mediaType(JsonNode content, MediaType actual) {
        for (Iterator<Map.Entry<String, JsonNode>> it = content.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            MediaType documented = MediaType.parseMediaType(entry.getKey());
            if (documented.includes(actual) || documented.isCompatibleWith(actual)
                    && documented.getSubtype().equals(actual.getSubtype())) {
                return Optional.of(entry.getValue());
            }
        }
        return Optional.empty();
    }

    private void fits(JsonNode value, JsonNode schemaOrRef, String where, List<String> problems) {
        JsonNode schema = resolve(schemaOrRef);
        if (schema.has("allOf")) {
            schema.get("allOf").forEach(part -> fits(value, part, where, problems));
        }
        for (String alternatives : List.of("oneOf", "anyOf")) {
            if (schema.has(alternatives)) {
                boolean any = false;
                for (JsonNode alternative : schema.get(alternatives)) {
                    List<String> tried = new ArrayList<>();
                    fits(value, alternative, where, tried);
                    any |= tried.isEmpty();
                }
                if (!any) {
                    problems.add(where + ": fits none of " + alternatives + ": " + value);
                }
            }
        }
        Set<String> types = types(schema);
        if (value.isNull()) {
            if (!types.isEmpty() && !types.contains("null")) {
                problems.add(where + ": null where " + types + " is documented");
            }
            return;
        }
        if (!types.isEmpty() && types.stream().noneMatch(type -> isA(value, type))) {
            problems.add(where + ": " + kind(value) + " " + abbreviated(value) + " where " + types + " is documented");
            return;
        }
        if (schema.has("enum") && value.isTextual()) {
            Set<String> allowed = new LinkedHashSet<>();
            schema.get("enum").forEach(option -> allowed.add(option.asText()));
            if (!allowed.contains(value.asText())) {
                problems.add(where + ": '" + value.asText() + "' is not one of " + allowed);
            }
        }
        if ("date-time".equals(schema.path("format").asText()) && value.isTextual()) {
            try {
                OffsetDateTime.parse(value.asText());
            } catch (DateTimeParseException e) {
                problems.add(where + ": '" + value.asText() + "' is not a date-time");
            }
        }
        if (value.isArray() && schema.has("items")) {
            for (int i = 0; i < value.size(); i++) {
                fits(value.get(i), schema.get("items"), where + "[" + i + "]", problems);
            }
        }
        if (value.isObject()) {
            fields(value, schema, where, problems);
        }
    }

    private void fields(JsonNode value, JsonNode schema, String where, List<String> problems) {
        JsonNode properties = schema.path("properties");
        JsonNode additional = schema.path("additionalProperties");
        schema.path("required").forEach(required -> {
            if (!value.has(required.asText())) {
                problems.add(where + ": required field " + required.asText() + " is missing");
            }
        });
        value.fields().forEachRemaining(field -> {
            String at = where + "." + field.getKey();
            if (properties.has(field.getKey())) {
                if (!field.getValue().isNull() || isRequired(schema, field.getKey())) {
                    fits(field.getValue(), properties.get(field.getKey()), at, problems);
                }
            } else if (additional.isObject()) {
                fits(field.getValue(), additional, at, problems);
            } else if (!properties.isMissingNode() && !additional.asBoolean(false)) {
                problems.add(at + ": not documented (" + abbreviated(field.getValue()) + ")");
            }
        });
    }

    private static boolean isRequired(JsonNode schema, String field) {
        for (JsonNode required : schema.path("required")) {
            if (required.asText().equals(field)) {
                return true;
            }
        }
        return false;
    }

    /** The declared JSON types: {@code type} as a string or (OpenAPI 3.1) a list; {@code object} for properties. */
    private static Set<String> types(JsonNode schema) {
        Set<String> types = new LinkedHashSet<>();
        JsonNode type = schema.path("type");
        if (type.isTextual()) {
            types.add(type.asText());
        } else if (type.isArray()) {
            type.forEach(t -> types.add(t.asText()));
        } else if (schema.has("types")) {
            schema.get("types").forEach(t -> types.add(t.asText()));
        } else if (schema.has("properties")) {
            types.add("object");
        }
        if (schema.path("nullable").asBoolean(false)) {
            types.add("null");
        }
        return types;
    }

    private static boolean isA(JsonNode value, String type) {
        return switch (type) {
            case "string" -> value.isTextual();
            case "integer" -> value.isIntegralNumber();
            case "number" -> value.isNumber();
            case "boolean" -> value.isBoolean();
            case "array" -> value.isArray();
            case "object" -> value.isObject();
            case "null" -> value.isNull();
            default -> throw new AssertionError("unknown JSON type in the description: " + type);
        };
    }

    private static String kind(JsonNode value) {
        return value.getNodeType().name().toLowerCase();
    }

    private static String abbreviated(JsonNode value) {
        String text = value.toString();
        return text.length() > 80 ? text.substring(0, 80) + "…" : text;
    }

    private JsonNode resolve(JsonNode node) {
        JsonNode resolved = node;
        while (resolved.has("$ref")) {
            String ref = resolved.get("$ref").asText();
            if (!ref.startsWith("#/")) {
                throw new AssertionError("only local references are understood: " + ref);
            }
            resolved = api.at(ref.substring(1));
            if (resolved.isMissingNode()) {
                throw new AssertionError("the description refers to " + ref + ", which it lacks");
            }
        }
        return resolved;
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
