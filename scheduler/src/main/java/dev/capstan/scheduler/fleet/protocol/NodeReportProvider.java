package dev.capstan.scheduler.fleet.protocol;

import dev.capstan.recorder.tracks.SpeakerTracks;
import dev.capstan.recorder.tracks.TrackCaptureStatus;
import dev.capstan.scheduler.session.FailureReason;
import dev.capstan.scheduler.session.SessionFailure;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jivesoftware.smack.packet.XmlEnvironment;
import org.jivesoftware.smack.provider.ExtensionElementProvider;
import org.jivesoftware.smack.xml.XmlPullParser;
import org.jivesoftware.smack.xml.XmlPullParserException;

/** Reads a node's {@code <node xmlns='urn:capstan:fleet:1'>}; missing or malformed numbers read as 0. */
public final class NodeReportProvider extends ExtensionElementProvider<NodeReport> {

    @Override
    public NodeReport parse(XmlPullParser parser, int initialDepth, XmlEnvironment xmlEnvironment)
            throws XmlPullParserException, IOException {
        int slots = integer(parser, "slots");
        int free = integer(parser, "free");
        int busy = integer(parser, "busy");
        int queued = integer(parser, "queued");
        double load = decimal(parser, "load");
        boolean draining = Boolean.parseBoolean(parser.getAttributeValue("", "draining"));
        int spare = Math.max(0, integer(parser, "spare"));
        List<NodeReport.RecordingReport> recordings = new ArrayList<>();
        while (true) {
            XmlPullParser.Event event = parser.next();
            if (event == XmlPullParser.Event.START_ELEMENT && parser.getName().equals("recording")) {
                String id = parser.getAttributeValue("", "id");
                String partId = parser.getAttributeValue("", "part-id");
                if (id != null && partId != null) {
                    recordings.add(new NodeReport.RecordingReport(id, partId, Math.max(1, integer(parser, "part")),
                            NodeReport.PartState.ofWireName(parser.getAttributeValue("", "state")), decimal(parser, "seconds"),
                            decimal(parser, "fps"), decimal(parser, "speed"), (long) decimal(parser, "bytes"),
                            Optional.ofNullable(parser.getAttributeValue("", "reason")), failure(parser),
                            tracks(parser)));
                }
            } else if (event == XmlPullParser.Event.END_ELEMENT && parser.getDepth() == initialDepth) {
                break;
            } else if (event == XmlPullParser.Event.END_DOCUMENT) {
                break;
            }
        }
        return new NodeReport(slots, free, busy, queued, load, draining, recordings, spare);
    }

    /** A failure's reason by its wire name; one this scheduler does not know yet reads as {@code other}. */
    private static Optional<SessionFailure> failure(XmlPullParser parser) {
        return Optional.ofNullable(parser.getAttributeValue("", "failure")).map(name -> new SessionFailure(
                FailureReason.ofWireName(name).orElse(FailureReason.OTHER),
                Optional.ofNullable(parser.getAttributeValue("", "failure-detail")).orElse(""),
                Boolean.parseBoolean(parser.getAttributeValue("", "retryable"))));
    }

    /** How a part's speaker tracks go; a capture this scheduler does not know yet is left out. */
    private static Optional<TrackCaptureStatus> tracks(XmlPullParser parser) {
        String capture = parser.getAttributeValue("", "tracks");
        if (capture == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new TrackCaptureStatus(SpeakerTracks.Capture.ofWireName(capture),
                    Math.max(0, integer(parser, "speakers")), parser.getAttributeValue("", "tracks-detail")));
        } catch (IllegalArgumentException unknown) {
            return Optional.empty();
        }
    }

    private static int integer(XmlPullParser parser, String name) {
        return (int) decimal(parser, name);
    }

    private static double decimal(XmlPullParser parser, String name) {
        String value = parser.getAttributeValue("", name);
        if (value == null) {
            return 0;
        }
        try {
            double parsed = Double.parseDouble(value);
            return Double.isFinite(parsed) ? parsed : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
