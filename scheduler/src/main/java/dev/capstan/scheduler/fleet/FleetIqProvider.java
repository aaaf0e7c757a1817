package dev.capstan.scheduler.fleet;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jivesoftware.smack.packet.XmlEnvironment;
import org.jivesoftware.smack.provider.IQProvider;
import org.jivesoftware.smack.xml.XmlPullParser;
import org.jivesoftware.smack.xml.XmlPullParserException;

/** Reads a {@code <fleet/>} command without judging it; the node answers a command it cannot use with an error. */
public final class FleetIqProvider extends IQProvider<FleetIq> {

    @Override
    public FleetIq parse(XmlPullParser parser, int initialDepth, XmlEnvironment xmlEnvironment)
            throws XmlPullParserException, IOException {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (int i = 0; i < parser.getAttributeCount(); i++) {
            attributes.put(parser.getAttributeName(i), parser.getAttributeValue(i));
        }
        List<String> streams = new ArrayList<>();
        Optional<String> metadata = Optional.empty();
        while (true) {
            XmlPullParser.Event event = parser.next();
            if (event == XmlPullParser.Event.START_ELEMENT && parser.getName().equals("stream")) {
                String url = parser.getAttributeValue("", "url");
                if (url != null) {
                    streams.add(url);
                }
            } else if (event == XmlPullParser.Event.START_ELEMENT && parser.getName().equals("metadata")) {
                metadata = Optional.of(parser.nextText());
            } else if (event == XmlPullParser.Event.END_ELEMENT && parser.getDepth() == initialDepth) {
                break;
            } else if (event == XmlPullParser.Event.END_DOCUMENT) {
                break;
            }
        }
        return new FleetIq(attributes, streams, metadata);
    }
}
