package dev.capstan.scheduler.jibri;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jivesoftware.smack.packet.IQ;

/**
 * Jibri's {@code <jibri xmlns='http://jitsi.org/protocol/jibri'/>} IQ, both ways. Requests keep every attribute
 * exactly as sent, so unknown ones are tolerated and malformed ones can be answered with a precise error; answers
 * carry Jibri's attributes in Jibri's order ({@code status}, {@code failure_reason}, {@code should_retry}).
 */
public final class JibriIq extends IQ {

    public static final String ELEMENT = "jibri";
    public static final String NAMESPACE = "http://jitsi.org/protocol/jibri";

    /** {@code status}: what Jibri reports. */
    public enum Status {
        PENDING, ON, OFF;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@code failure_reason}: {@code busy} only ever answers a start; everything that goes wrong later is {@code error}. */
    public enum FailureReason {
        BUSY, ERROR;

        String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Map<String, String> attributes;

    JibriIq(Map<String, String> attributes) {
        super(ELEMENT, NAMESPACE);
        this.attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /** An answer or status update: {@code <jibri status='...' [failure_reason='...' should_retry='...']/>}. */
    public static JibriIq status(Status status, Optional<FailureReason> failure, boolean shouldRetry) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("status", status.wire());
        failure.ifPresent(reason -> {
            attributes.put("failure_reason", reason.wire());
            attributes.put("should_retry", Boolean.toString(shouldRetry));
        });
        return new JibriIq(attributes);
    }

    public static JibriIq status(Status status) {
        return status(status, Optional.empty(), false);
    }

    /** A fresh stanza with the same attributes (a stanza object is sent once). */
    public static JibriIq copyOf(JibriIq iq) {
        return new JibriIq(iq.attributes);
    }

    public Optional<String> attribute(String name) {
        return Optional.ofNullable(attributes.get(name));
    }

    public Map<String, String> attributes() {
        return attributes;
    }

    @Override
    protected IQChildElementXmlStringBuilder getIQChildElementBuilder(IQChildElementXmlStringBuilder xml) {
        attributes.forEach(xml::attribute);
        xml.setEmptyElement();
        return xml;
    }
}
