package dev.capstan.scheduler.jibri;

import javax.xml.namespace.QName;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.XmlEnvironment;
import org.jivesoftware.smack.util.XmlStringBuilder;

/**
 * The brewery presence payload Jicofo selects Jibris by:
 * {@code <jibri-status><busy-status status='idle|busy'/><health-status status='healthy|unhealthy'/></jibri-status>}.
 * Both children are always present: Jicofo dereferences both when it asks whether an instance is available.
 */
public record JibriStatus(boolean busy, boolean healthy) implements ExtensionElement {

    public static final String ELEMENT = "jibri-status";
    public static final String NAMESPACE = JibriIq.NAMESPACE;
    public static final QName QNAME = new QName(NAMESPACE, ELEMENT);
    static final String HEALTH_NAMESPACE = "http://jitsi.org/protocol/health";

    @Override
    public String getElementName() {
        return ELEMENT;
    }

    @Override
    public String getNamespace() {
        return NAMESPACE;
    }

    @Override
    public XmlStringBuilder toXML(XmlEnvironment enclosingNamespace) {
        XmlStringBuilder xml = new XmlStringBuilder(this, enclosingNamespace);
        xml.rightAngleBracket();
        // busy-status inherits the namespace (the form of jibri.md §11.11); Jicofo's parser takes either form.
        xml.halfOpenElement("busy-status")
                .attribute("status", busy ? "busy" : "idle").closeEmptyElement();
        xml.halfOpenElement("health-status").xmlnsAttribute(HEALTH_NAMESPACE)
                .attribute("status", healthy ? "healthy" : "unhealthy").closeEmptyElement();
        xml.closeElement(this);
        return xml;
    }

    @Override
    public String toString() {
        return (busy ? "busy" : "idle") + "/" + (healthy ? "healthy" : "unhealthy");
    }
}
