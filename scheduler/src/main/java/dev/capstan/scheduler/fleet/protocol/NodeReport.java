package dev.capstan.scheduler.fleet.protocol;

import dev.capstan.recorder.tracks.TrackCaptureStatus;
import dev.capstan.scheduler.session.SessionFailure;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.xml.namespace.QName;
import org.jivesoftware.smack.packet.ExtensionElement;
import org.jivesoftware.smack.packet.XmlEnvironment;
import org.jivesoftware.smack.util.XmlStringBuilder;

/**
 * What a node says about itself in the pool MUC's presence, re-published on every change and every few seconds
 * while it records:
 *
 * <pre>{@code
 * <node xmlns='urn:capstan:fleet:1' slots='2' free='1' busy='1' queued='0' load='0.43' draining='false' spare='8'>
 *   <recording id='R' part-id='P' part='1' state='on' seconds='12.0' fps='30.0' speed='1.00' bytes='1523000'
 *              tracks='captured' speakers='2'/>
 * </node>
 * }</pre>
 *
 * A recording that ended stays listed for a while with {@code state='stopped'} or {@code state='failed'} ({@link PartState}) and its
 * {@code reason}, so a scheduler that was reconnecting still learns how it ended.
 *
 * @param free  slots that would take a recording now (0 while draining or when admission holds)
 * @param load  the node's CPU in use against its budget, 0..1 and above when overloaded
 * @param spare slots the node could still add for a recording cheaper than its base count assumes (audio-only), as
 *              its CPU allows; 0 while draining, and from a node that does not say (an older version)
 */
public record NodeReport(int slots, int free, int busy, int queued, double load, boolean draining,
        List<RecordingReport> recordings, int spare) implements ExtensionElement {

    public static final String ELEMENT = "node";
    public static final String NAMESPACE = "urn:capstan:fleet:1";
    public static final QName QNAME = new QName(NAMESPACE, ELEMENT);

    public NodeReport {
        recordings = List.copyOf(recordings);
    }

    /** A node whose pool does not grow. */
    public NodeReport(int slots, int free, int busy, int queued, double load, boolean draining,
            List<RecordingReport> recordings) {
        this(slots, free, busy, queued, load, draining, recordings, 0);
    }

    /** Where a part stands on its node, by the name the presence's {@code state} attribute carries. */
    public enum PartState {
        PENDING("pending"), ON("on"), STOPPING("stopping"), STOPPED("stopped"), FAILED("failed");

        private final String wireName;

        PartState(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public boolean ended() {
            return this == STOPPED || this == FAILED;
        }

        /** A state this version does not know (or none) reads as pending: running, not yet on. */
        public static PartState ofWireName(String wireName) {
            return Arrays.stream(values()).filter(state -> state.wireName.equals(wireName)).findFirst()
                    .orElse(PENDING);
        }
    }

    /**
     * One recording on the node.
     *
     * @param id     the session's recording id (the catalog entry users see)
     * @param partId the catalog recording that holds this part
     * @param reason  how it ended, for people (a stop's cause, a failure's text); empty while it runs
     * @param failure why it failed, typed: its reason's wire name, detail and whether another node may succeed
     * @param tracks  how the capture of each speaker's sound goes, for a recording that asked for it (attributes
     *                {@code tracks}, {@code speakers} and {@code tracks-detail})
     */
    public record RecordingReport(String id, String partId, int part, PartState state, double seconds, double fps,
            double speed, long bytes, Optional<String> reason, Optional<SessionFailure> failure,
            Optional<TrackCaptureStatus> tracks) {

        /** A part that asked for no speaker tracks. */
        public RecordingReport(String id, String partId, int part, PartState state, double seconds, double fps,
                double speed, long bytes, Optional<String> reason, Optional<SessionFailure> failure) {
            this(id, partId, part, state, seconds, fps, speed, bytes, reason, failure, Optional.empty());
        }

        public boolean ended() {
            return state.ended();
        }
    }

    public Optional<RecordingReport> recording(String partId) {
        return recordings.stream().filter(r -> r.partId().equals(partId)).findFirst();
    }

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
        xml.attribute("slots", slots).attribute("free", free).attribute("busy", busy).attribute("queued", queued)
                .attribute("load", decimal(load)).attribute("draining", Boolean.toString(draining));
        if (spare > 0) {
            xml.attribute("spare", spare); // absent reads as 0, as from a node that does not grow
        }
        if (recordings.isEmpty()) {
            xml.closeEmptyElement();
            return xml;
        }
        xml.rightAngleBracket();
        for (RecordingReport recording : recordings) {
            xml.halfOpenElement("recording").attribute("id", recording.id())
                    .attribute("part-id", recording.partId()).attribute("part", recording.part())
                    .attribute("state", recording.state().wireName()).attribute("seconds", decimal(recording.seconds()))
                    .attribute("fps", decimal(recording.fps())).attribute("speed", decimal(recording.speed()))
                    .attribute("bytes", Long.toString(recording.bytes()))
                    .optAttribute("reason", recording.reason().orElse(null))
                    .optAttribute("failure", recording.failure().map(f -> f.reason().wireName()).orElse(null))
                    .optAttribute("failure-detail", recording.failure().map(SessionFailure::detail).orElse(null))
                    .optAttribute("retryable", recording.failure().map(f -> Boolean.toString(f.retryable()))
                            .orElse(null))
                    .optAttribute("tracks", recording.tracks().map(t -> t.capture().wireName()).orElse(null))
                    .optAttribute("speakers", recording.tracks().map(t -> Integer.toString(t.speakers())).orElse(null))
                    .optAttribute("tracks-detail", recording.tracks().map(TrackCaptureStatus::detail)
                            .filter(detail -> !detail.isEmpty()).orElse(null))
                    .closeEmptyElement();
        }
        xml.closeElement(this);
        return xml;
    }

    private static String decimal(double value) {
        return String.format(Locale.ROOT, "%.2f", Double.isFinite(value) ? value : 0);
    }
}
