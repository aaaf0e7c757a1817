package dev.capstan.scheduler.fleet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.capture.OutputSize;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.slot.PauseRefusedException;
import dev.capstan.recorder.tracks.SpeakerTracks;
import dev.capstan.recorder.tracks.TrackCaptureStatus;
import dev.capstan.scheduler.fleet.protocol.FleetIq;
import dev.capstan.scheduler.fleet.protocol.NodeReport;
import dev.capstan.scheduler.fleet.protocol.PoolRoom;
import dev.capstan.scheduler.plan.Meeting;
import dev.capstan.scheduler.plan.Mode;
import dev.capstan.scheduler.plan.PlanJson;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.scheduler.session.FailureReason;
import dev.capstan.scheduler.session.SessionFailure;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jivesoftware.smack.packet.IQ;
import org.jivesoftware.smack.packet.Presence;
import org.jivesoftware.smack.packet.StanzaError;
import org.jivesoftware.smack.util.PacketParserUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pool protocol's stanzas, written and read back as a peer would. */
class FleetWireTest {

    @BeforeAll
    static void providers() {
        PoolRoom.registerProviders();
    }

    @Test
    void aNodeReportSaysCapacityLoadAndRecordings() throws Exception {
        NodeReport report = new NodeReport(2, 1, 1, 0, 0.4321, false, List.of(new NodeReport.RecordingReport(
                "rec-1", "part-2", 2, NodeReport.PartState.ON, 12.5, 29.97, 1.0, 1_523_000, Optional.empty(),
                Optional.empty())));
        assertThat(report.toXML().toString()).isEqualTo(
                "<node xmlns='urn:capstan:fleet:1' slots='2' free='1' busy='1' queued='0' load='0.43' draining='false'>"
                        + "<recording id='rec-1' part-id='part-2' part='2' state='on' seconds='12.50' fps='29.97'"
                        + " speed='1.00' bytes='1523000'/></node>");

        Presence presence = PacketParserUtils.parseStanza("<presence from='pool@internal-muc.localhost/node-a'>"
                + report.toXML() + "</presence>");
        NodeReport read = presence.getExtension(NodeReport.class);
        assertThat(read.slots()).isEqualTo(2);
        assertThat(read.free()).isEqualTo(1);
        assertThat(read.load()).isEqualTo(0.43);
        assertThat(read.recording("part-2")).hasValueSatisfying(r -> {
            assertThat(r.id()).isEqualTo("rec-1");
            assertThat(r.part()).isEqualTo(2);
            assertThat(r.state()).isEqualTo(NodeReport.PartState.ON);
            assertThat(r.bytes()).isEqualTo(1_523_000);
        });
    }

    @Test
    void aNodeThatCanAddSlotsSaysHowManyAndOneThatDoesNotSayReadsAsNone() throws Exception {
        NodeReport growable = new NodeReport(1, 0, 1, 0, 0.1, false, List.of(), 7);
        assertThat(growable.toXML().toString()).isEqualTo("<node xmlns='urn:capstan:fleet:1' slots='1' free='0'"
                + " busy='1' queued='0' load='0.10' draining='false' spare='7'/>");
        assertThat(read(growable.toXML().toString()).spare()).isEqualTo(7);
        assertThat(read("<node xmlns='urn:capstan:fleet:1' slots='1' free='0' busy='1' queued='0' load='0.10'"
                + " draining='false'/>").spare()).as("an older node").isZero();
    }

    private static NodeReport read(String node) throws Exception {
        Presence presence = PacketParserUtils.parseStanza("<presence from='pool@internal-muc.localhost/node-a'>"
                + node + "</presence>");
        return presence.getExtension(NodeReport.class);
    }

    @Test
    void aPartsSpeakerTracksTravelTypedAndAnUnknownCaptureIsLeftOut() throws Exception {
        for (SpeakerTracks.Capture capture : SpeakerTracks.Capture.values()) {
            boolean captured = capture == SpeakerTracks.Capture.CAPTURED;
            TrackCaptureStatus status = new TrackCaptureStatus(capture, captured ? 3 : 0,
                    captured ? "" : "why: <not> 'this' page");
            NodeReport report = new NodeReport(1, 0, 1, 0, 0.5, false, List.of(new NodeReport.RecordingReport(
                    "rec-1", "part-1", 1, NodeReport.PartState.ON, 1, 30, 1, 100, Optional.empty(), Optional.empty(),
                    Optional.of(status))));
            assertThat(report.toXML().toString()).contains("tracks='" + capture.wireName() + "'",
                    "speakers='" + status.speakers() + "'");
            Presence presence = PacketParserUtils.parseStanza("<presence from='pool@internal-muc.localhost/node-a'>"
                    + report.toXML() + "</presence>");
            assertThat(presence.getExtension(NodeReport.class).recording("part-1").orElseThrow().tracks())
                    .contains(status);
        }
        assertThat(SpeakerTracks.Capture.values()).extracting(SpeakerTracks.Capture::wireName)
                .containsExactly("captured", "not-offered", "failed");
        NodeReport older = new NodeReport(1, 0, 1, 0, 0.5, false, List.of(new NodeReport.RecordingReport(
                "rec-1", "part-1", 1, NodeReport.PartState.ON, 1, 30, 1, 100, Optional.empty(), Optional.empty())));
        assertThat(older.toXML().toString()).as("a part without tracks says nothing of them").doesNotContain("tracks");
        Presence newer = PacketParserUtils.parseStanza("<presence from='pool@internal-muc.localhost/node-a'>"
                + "<node xmlns='urn:capstan:fleet:1' slots='1'><recording id='r' part-id='p' state='on' "
                + "tracks='telepathy' speakers='2'/></node></presence>");
        assertThat(newer.getExtension(NodeReport.class).recording("p").orElseThrow().tracks()).isEmpty();
    }

    @Test
    void everyPartStateTravelsByItsStableName() throws Exception {
        for (NodeReport.PartState state : NodeReport.PartState.values()) {
            Optional<String> reason = state.ended() ? Optional.of("capture-died: exit 137") : Optional.empty();
            Optional<SessionFailure> failure = state == NodeReport.PartState.FAILED
                    ? Optional.of(new SessionFailure(FailureReason.CAPTURE_DIED, "exit 137", true)) : Optional.empty();
            NodeReport report = new NodeReport(1, 0, 1, 0, 0.5, false, List.of(new NodeReport.RecordingReport(
                    "rec-1", "part-1", 1, state, 1, 30, 1, 100, reason, failure)));
            assertThat(report.toXML().toString()).contains("state='" + state.wireName() + "'");
            if (failure.isPresent()) {
                assertThat(report.toXML().toString()).as("the failure typed, not a text to parse back")
                        .contains("failure='capture-died'", "failure-detail='exit 137'", "retryable='true'");
            }
            Presence presence = PacketParserUtils.parseStanza("<presence from='pool@internal-muc.localhost/node-a'>"
                    + report.toXML() + "</presence>");
            assertThat(presence.getExtension(NodeReport.class).recordings())
                    .containsExactlyElementsOf(report.recordings());
        }
        assertThat(NodeReport.PartState.values()).extracting(NodeReport.PartState::wireName)
                .containsExactly("pending", "on", "stopping", "stopped", "failed");
        assertThat(NodeReport.PartState.ofWireName("paused")).as("a newer node's state: running, not yet on")
                .isEqualTo(NodeReport.PartState.PENDING);
        assertThat(Mode.values()).extracting(Mode::wireName).containsExactly("file", "stream", "both", "audio");
        assertThat(Mode.ofWireName("STREAM")).as("never the enum's name").isEmpty();
        assertThat(FleetIq.Action.values()).extracting(FleetIq.Action::wireName).containsExactly("record", "stop",
                "drain", "undrain", "streams", "add-stream", "remove-stream", "pause", "resume");
    }

    @Test
    void aPauseAndAResumeTravelTypedAndComeBackWithWhatTheNodeDid() throws Exception {
        FleetIq.PartAddress part = new FleetIq.PartAddress("rec-1", 1, "rec-1");
        FleetIq pause = FleetIq.command(FleetIq.Action.PAUSE, part);
        assertThat(pause.toXML().toString()).contains("<fleet xmlns='urn:capstan:fleet:1' action='pause' id='rec-1'"
                + " part='1' part-id='rec-1'/>");
        FleetIq readPause = (FleetIq) PacketParserUtils.parseStanza(pause.toXML().toString());
        assertThat(readPause.action()).contains(FleetIq.Action.PAUSE);
        assertThat(readPause.target()).contains(part);

        FleetIq.PauseMark resumed = new FleetIq.PauseMark(Instant.parse("2026-12-07T14:00:12.645Z"),
                Duration.ofMillis(7_480), Optional.of(Duration.ofMillis(5_125)));
        FleetIq answer = FleetIq.answer(FleetIq.command(FleetIq.Action.RESUME, part), resumed);
        assertThat(answer.toXML().toString()).contains("<fleet xmlns='urn:capstan:fleet:1'><pause"
                + " at='2026-12-07T14:00:12.645Z' position-ms='7480' paused-for-ms='5125'/></fleet>");
        assertThat(((FleetIq) PacketParserUtils.parseStanza(answer.toXML().toString())).pause()).contains(resumed);
        FleetIq.PauseMark paused = new FleetIq.PauseMark(resumed.at(), resumed.position(), Optional.empty());
        assertThat(((FleetIq) PacketParserUtils.parseStanza(FleetIq.answer(pause, paused).toXML().toString()))
                .pause()).contains(paused);
    }

    @Test
    void aRefusedPauseSaysWhyByTheRecordersStableReason() throws Exception {
        for (PauseRefusedException.Reason reason : PauseRefusedException.Reason.values()) {
            FleetIq pause = FleetIq.command(FleetIq.Action.PAUSE, new FleetIq.PartAddress("rec-1", 1, "rec-1"));
            pause.setStanzaId("p1");
            IQ refused = IQ.createErrorResponse(pause, PoolRoom.pauseRefused(new PauseRefusedException(reason,
                    "the recording says no")));
            String xml = refused.toXML().toString();
            assertThat(xml).contains("<conflict", "<pause-refused xmlns='urn:capstan:fleet:1' reason='"
                    + reason.wireName() + "'></pause-refused>");
            IQ read = (IQ) PacketParserUtils.parseStanza(xml);
            assertThat(PoolRoom.pauseRefusal(read.getError())).as(xml).contains(reason);
            assertThat(read.getError().getDescriptiveText()).isEqualTo("the recording says no");
        }
        IQ plain = IQ.createErrorResponse(FleetIq.command(FleetIq.Action.PAUSE,
                new FleetIq.PartAddress("rec-1", 1, "rec-1")), StanzaError.getBuilder(
                StanzaError.Condition.item_not_found).build());
        assertThat(PoolRoom.pauseRefusal(((IQ) PacketParserUtils.parseStanza(plain.toXML().toString())).getError()))
                .isEmpty();
    }

    @Test
    void aMalformedReportReadsAsZeroesInsteadOfDroppingThePresence() throws Exception {
        Presence presence = PacketParserUtils.parseStanza("<presence from='pool@internal-muc.localhost/node-a'>"
                + "<node xmlns='urn:capstan:fleet:1' slots='x' free='-' load='NaN'><recording state='on'/></node>"
                + "</presence>");
        NodeReport read = presence.getExtension(NodeReport.class);
        assertThat(read.slots()).isZero();
        assertThat(read.load()).isZero();
        assertThat(read.recordings()).isEmpty();
    }

    @Test
    void aRecordCommandCarriesThePlanAsJsonAndWhichPart() throws Exception {
        String key = "live_SeCrEt";
        RecordingPlan plan = new RecordingPlan(RecordingId.of("rec-1"), "room",
                new Meeting.Page(URI.create("https://meet.example.com/room?jwt=secret")),
                RecordingPlan.outputs(true, List.of(StreamUrl.parse("rtmp://live.example.com/app/" + key))),
                Optional.of(Duration.ofMinutes(10)), Optional.empty(), Optional.of(new OutputSize(640, 360)),
                Map.of("course", "math"), Optional.empty(), Instant.parse("2026-11-22T10:00:00Z"));
        FleetIq command = FleetIq.record(new FleetIq.PartAddress("rec-1", 2, "part-2"), PlanJson.write(plan));
        String xml = command.toXML().toString();
        assertThat(xml).contains("action='record'", "id='rec-1'", "part='2'", "part-id='part-2'", "<plan>{",
                "&quot;kind&quot;:&quot;page&quot;");
        assertThat(command.describe()).doesNotContain(key, "secret");

        FleetIq read = PacketParserUtils.parseStanza(xml);
        assertThat(read.action()).contains(FleetIq.Action.RECORD);
        assertThat(read.target()).contains(new FleetIq.PartAddress("rec-1", 2, "part-2"));
        assertThat(PlanJson.read(read.planJson().orElseThrow())).isEqualTo(plan);
    }

    @Test
    void streamCommandsAndAnswersRoundTrip() throws Exception {
        FleetIq.PartAddress part = new FleetIq.PartAddress("rec-1", 1, "rec-1");
        FleetIq add = PacketParserUtils.parseStanza(FleetIq.addStream(part, "rtmp://live.example.com/app/KEY")
                .toXML().toString());
        assertThat(add.action()).contains(FleetIq.Action.ADD_STREAM);
        assertThat(add.streamUrl()).contains("rtmp://live.example.com/app/KEY");
        FleetIq remove = PacketParserUtils.parseStanza(FleetIq.removeStream(part, "s2").toXML().toString());
        assertThat(remove.streamId()).contains("s2");
        FleetIq unknown = PacketParserUtils.parseStanza("<iq type='set' id='1'><fleet xmlns='urn:capstan:fleet:1' "
                + "action='teleport'/></iq>");
        assertThat(unknown.action()).isEmpty();
        assertThat(unknown.actionName()).isEqualTo("teleport");
    }
}
