package dev.capstan.scheduler.jibri;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Attr;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xmlunit.builder.DiffBuilder;
import org.xmlunit.builder.Input;
import org.xmlunit.diff.Diff;

/**
 * Reads raw stanzas as captured off the wire, for assertions that must not depend on Smack's providers: attribute
 * order, quoting and namespace prefixes do not matter, names, namespaces, values and children do.
 */
public final class WireXml {

    private WireXml() {
    }

    /** The root element of a stanza (or any well-formed snippet). */
    public static Element parse(String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml))).getDocumentElement();
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new IllegalArgumentException("not well-formed XML: " + xml, e);
        }
    }

    /** The first element named {@code elementName} (local name, the root included), if any. */
    public static Element find(String xml, String elementName) {
        Element root = parse(xml);
        if (root.getLocalName().equals(elementName)) {
            return root;
        }
        NodeList found = root.getElementsByTagNameNS("*", elementName);
        return found.getLength() == 0 ? null : (Element) found.item(0);
    }

    public static boolean hasElement(String xml, String elementName) {
        return find(xml, elementName) != null;
    }

    /** The attributes of the first element named {@code elementName}, without namespace declarations. */
    public static Map<String, String> attributesOf(String xml, String elementName) {
        Element element = find(xml, elementName);
        if (element == null) {
            throw new AssertionError("no <" + elementName + "> in " + xml);
        }
        return attributes(element);
    }

    static Map<String, String> attributes(Element element) {
        Map<String, String> attributes = new LinkedHashMap<>();
        NamedNodeMap all = element.getAttributes();
        for (int i = 0; i < all.getLength(); i++) {
            Attr attribute = (Attr) all.item(i);
            if (!XMLConstants.XMLNS_ATTRIBUTE_NS_URI.equals(attribute.getNamespaceURI())) {
                attributes.put(attribute.getName(), attribute.getValue());
            }
        }
        return attributes;
    }

    /** A direct child with this local name and namespace, or null. */
    public static Element child(Element parent, String name, String namespace) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && name.equals(element.getLocalName())
                    && namespace.equals(element.getNamespaceURI())) {
                return element;
            }
        }
        return null;
    }

    /** Whether some element of {@code xml} equals {@code expected} (same name and namespace, attributes, children). */
    public static boolean containsElement(String xml, String expected) {
        return differences(xml, expected) == null;
    }

    /**
     * Asserts that some element of {@code xml} equals {@code expected}, for example
     * {@code <jibri xmlns='http://jitsi.org/protocol/jibri' status='pending'/>} against a whole IQ.
     */
    public static void assertElement(String xml, String expected) {
        String differences = differences(xml, expected);
        if (differences != null) {
            throw new AssertionError("expected " + expected + "\n in " + xml + "\n" + differences);
        }
    }

    /** Null if an element matches, else why the candidates did not. */
    private static String differences(String xml, String expected) {
        if (xml == null) {
            return "nothing was received";
        }
        Element wanted = parse(expected);
        Element root = parse(xml);
        List<Element> candidates = new ArrayList<>();
        String namespace = wanted.getNamespaceURI() == null ? "" : wanted.getNamespaceURI();
        if (wanted.getLocalName().equals(root.getLocalName())) {
            candidates.add(root);
        }
        NodeList found = root.getElementsByTagNameNS(namespace.isEmpty() ? null : namespace, wanted.getLocalName());
        for (int i = 0; i < found.getLength(); i++) {
            candidates.add((Element) found.item(i));
        }
        if (candidates.isEmpty()) {
            return "no <" + wanted.getLocalName() + " xmlns='" + namespace + "'> at all";
        }
        StringBuilder why = new StringBuilder();
        for (Element candidate : candidates) {
            Diff diff = DiffBuilder.compare(Input.fromString(expected)).withTest(Input.fromNode(candidate))
                    .ignoreWhitespace().ignoreComments().checkForSimilar().build();
            if (!diff.hasDifferences()) {
                return null;
            }
            why.append(diff).append('\n');
        }
        return why.toString();
    }
}
