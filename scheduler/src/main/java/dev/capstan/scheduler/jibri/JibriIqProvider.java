package dev.capstan.scheduler.jibri;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jivesoftware.smack.packet.XmlEnvironment;
import org.jivesoftware.smack.provider.IQProvider;
import org.jivesoftware.smack.util.ParserUtils;
import org.jivesoftware.smack.xml.XmlPullParser;
import org.jivesoftware.smack.xml.XmlPullParserException;

/**
 * Reads a {@code <jibri/>} element without judging it: every attribute is kept and every child (Jicofo's
 * {@code <traceparent/>}, say) skipped. Judging happens in {@link JibriRequest}, which can answer with an error;
 * a provider that threw would make Smack drop the stanza, and Jicofo would wait for its 15-s timeout.
 */
public final class JibriIqProvider extends IQProvider<JibriIq> {

    @Override
    public JibriIq parse(XmlPullParser parser, int initialDepth, XmlEnvironment xmlEnvironment)
            throws XmlPullParserException, IOException {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (int i = 0; i < parser.getAttributeCount(); i++) {
            attributes.put(parser.getAttributeName(i), parser.getAttributeValue(i));
        }
        // Children are not ours to understand; skip to the end of <jibri>.
        ParserUtils.forwardToEndTagOfDepth(parser, initialDepth);
        return new JibriIq(attributes);
    }
}
