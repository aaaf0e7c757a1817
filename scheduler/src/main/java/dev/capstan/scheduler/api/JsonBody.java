package dev.capstan.scheduler.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Reads a control request's JSON object strictly and by hand, so that every answer about it is Capstan's own: a
 * bounded body (413 beyond {@value #MAX_BYTES} bytes), no duplicate fields or trailing content, and only known
 * fields ({@link #unknownFields}). Parser messages are not passed on, as they may quote the input (a stream key,
 * say); only what kind of error it is and where.
 */
final class JsonBody {

    static final int MAX_BYTES = 64 * 1024;

    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private JsonBody() {
    }

    /**
     * The body as a JSON object.
     *
     * @throws RequestTooLargeException when it is over the limit (by its Content-Length or as read)
     * @throws InvalidRequestException  when it is empty, not JSON or not an object
     */
    static ObjectNode object(HttpServletRequest request) throws IOException {
        if (request.getContentLengthLong() > MAX_BYTES) {
            throw new RequestTooLargeException(MAX_BYTES);
        }
        byte[] body = request.getInputStream().readNBytes(MAX_BYTES + 1);
        if (body.length > MAX_BYTES) {
            throw new RequestTooLargeException(MAX_BYTES);
        }
        if (new String(body, StandardCharsets.UTF_8).isBlank()) {
            throw new InvalidRequestException("a JSON object is required as the request body");
        }
        JsonNode tree;
        try {
            tree = STRICT.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException("the request body is not valid JSON: " + problem(e));
        }
        if (tree == null || !tree.isObject()) {
            throw new InvalidRequestException("the request body must be a JSON object");
        }
        return (ObjectNode) tree;
    }

    /** An error for each field of {@code body} that is not among {@code known}, to be reported with the others. */
    static List<InvalidRequestException.FieldError> unknownFields(ObjectNode body, List<String> known) {
        List<InvalidRequestException.FieldError> unknown = new ArrayList<>();
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                unknown.add(new InvalidRequestException.FieldError(shown(name),
                        "unknown field; the fields are " + String.join(", ", known)));
            }
        }
        return unknown;
    }

    /** What is wrong and where, without the parser's quotes of the input. */
    private static String problem(JsonProcessingException e) {
        String original = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
        String what = original.startsWith("Duplicate field") ? "a field appears twice"
                : original.contains("end-of-input") ? "it ends too early"
                : original.startsWith("Trailing token") ? "there is more after the JSON value"
                : "unexpected content";
        JsonLocation where = e.getLocation();
        return where == null || where.getLineNr() < 1 ? what
                : what + " (line " + where.getLineNr() + ", column " + where.getColumnNr() + ")";
    }

    /** A caller's field name as an error names it: bounded, without control characters. */
    private static String shown(String name) {
        String bounded = name.length() > 40 ? name.substring(0, 40) + "…" : name;
        return bounded.replaceAll("\\p{Cntrl}", "?");
    }
}
