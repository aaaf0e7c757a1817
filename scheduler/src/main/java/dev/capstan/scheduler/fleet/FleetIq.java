package dev.capstan.scheduler.fleet;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jivesoftware.smack.packet.IQ;

/**
 * A scheduler's command to a node, sent to the node's occupant JID in the pool MUC (Prosody routes it, as it
 * routes Jicofo's start to a Jibri):
 *
 * <pre>{@code
 * <fleet xmlns='urn:capstan:fleet:1' action='record' id='R' part-id='P' part='2' url='https://…' mode='both'
 *        max-duration='PT1H'>
 *   <stream url='rtmp://…'/>
 *   <metadata>{"course":"math"}</metadata>
 * </fleet>
 * }</pre>
 *
 * Actions: {@code record}, {@code stop} ({@code id}), {@code drain} and {@code undrain}. The node answers with an
 * empty result, or an error: {@code service-unavailable} when it cannot take the recording, {@code item-not-found}
 * for a recording it does not have, {@code bad-request} for a command it cannot read.
 */
public final class FleetIq extends IQ {

    public static final String ELEMENT = "fleet";
    public static final String NAMESPACE = NodeReport.NAMESPACE;

    private final Map<String, String> attributes;
    private final List<String> streams;
    private final Optional<String> metadataJson;

    public FleetIq(Map<String, String> attributes, List<String> streams, Optional<String> metadataJson) {
        super(ELEMENT, NAMESPACE);
        this.attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        this.streams = List.copyOf(streams);
        this.metadataJson = metadataJson;
    }

    public static FleetIq command(String action, Map<String, String> attributes) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("action", action);
        all.putAll(attributes);
        return new FleetIq(all, List.of(), Optional.empty());
    }

    public FleetIq withStreams(List<String> urls) {
        return new FleetIq(attributes, urls, metadataJson);
    }

    public FleetIq withMetadata(String json) {
        return new FleetIq(attributes, streams, Optional.of(json));
    }

    public String action() {
        return attributes.getOrDefault("action", "");
    }

    public Optional<String> attribute(String name) {
        return Optional.ofNullable(attributes.get(name)).filter(value -> !value.isEmpty());
    }

    public List<String> streams() {
        return streams;
    }

    public Optional<String> metadataJson() {
        return metadataJson;
    }

    @Override
    protected IQChildElementXmlStringBuilder getIQChildElementBuilder(IQChildElementXmlStringBuilder xml) {
        attributes.forEach(xml::attribute);
        if (streams.isEmpty() && metadataJson.isEmpty()) {
            xml.setEmptyElement();
            return xml;
        }
        xml.rightAngleBracket();
        for (String url : streams) {
            xml.halfOpenElement("stream").attribute("url", url).closeEmptyElement();
        }
        metadataJson.ifPresent(json -> xml.element("metadata", json));
        return xml;
    }

    /** For logs: stream addresses carry keys and are never printed. */
    public String describe() {
        return "fleet " + action() + " " + attributes.getOrDefault("id", "") + " (" + streams.size() + " streams)";
    }
}
