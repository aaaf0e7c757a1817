package dev.capstan.scheduler.fleet.protocol;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.jivesoftware.smack.packet.XmlEnvironment;
import org.jivesoftware.smack.provider.IQProvider;
import org.jivesoftware.smack.xml.XmlPullParser;
import org.jivesoftware.smack.xml.XmlPullParserException;

/**
 * Reads a {@code <fleet/>} command or answer without judging it; the node answers a command it cannot use with an
 * error. A part number that is not a number reads as 0, which no part has.
 */
public final class FleetIqProvider extends IQProvider<FleetIq> {

    @Override
    public FleetIq parse(XmlPullParser parser, int initialDepth, XmlEnvironment xmlEnvironment)
            throws XmlPullParserException, IOException {
        String action = Optional.ofNullable(parser.getAttributeValue("", "action")).orElse("");
        Optional<String> id = attribute(parser, "id");
        Optional<String> partId = attribute(parser, "part-id");
        Optional<FleetIq.PartAddress> target = id.isPresent() && partId.isPresent()
                ? Optional.of(new FleetIq.PartAddress(id.get(), number(parser.getAttributeValue("", "part")),
                        partId.get()))
                : Optional.empty();
        Optional<String> streamId = attribute(parser, "stream-id");
        Optional<String> streamUrl = Optional.empty();
        Optional<String> plan = Optional.empty();
        Optional<String> streams = Optional.empty();
        Optional<FleetIq.PauseMark> pause = Optional.empty();
        while (true) {
            XmlPullParser.Event event = parser.next();
            if (event == XmlPullParser.Event.START_ELEMENT) {
                switch (parser.getName()) {
                    case "stream" -> streamUrl = attribute(parser, "url");
                    case "plan" -> plan = Optional.of(parser.nextText());
                    case "streams" -> streams = Optional.of(parser.nextText());
                    case "pause" -> pause = pause(parser);
                    default -> {
                        // Unknown children are ignored, as Jibri ignores Jicofo's.
                    }
                }
            } else if (event == XmlPullParser.Event.END_ELEMENT && parser.getDepth() == initialDepth) {
                break;
            } else if (event == XmlPullParser.Event.END_DOCUMENT) {
                break;
            }
        }
        return new FleetIq(action, target, streamId, streamUrl, plan, streams, pause);
    }

    /** A pause mark whose times cannot be read is left out, as any unreadable child. */
    private static Optional<FleetIq.PauseMark> pause(XmlPullParser parser) {
        try {
            Optional<String> at = attribute(parser, "at");
            Optional<String> position = attribute(parser, "position-ms");
            if (at.isEmpty() || position.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new FleetIq.PauseMark(Instant.parse(at.get()),
                    Duration.ofMillis(Long.parseLong(position.get())),
                    attribute(parser, "paused-for-ms").map(Long::parseLong).map(Duration::ofMillis)));
        } catch (DateTimeParseException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> attribute(XmlPullParser parser, String name) {
        return Optional.ofNullable(parser.getAttributeValue("", name)).filter(value -> !value.isEmpty());
    }

    private static int number(String text) {
        try {
            return text == null ? 1 : Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
