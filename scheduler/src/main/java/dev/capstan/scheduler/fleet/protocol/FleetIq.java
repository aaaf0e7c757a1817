package dev.capstan.scheduler.fleet.protocol;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.jivesoftware.smack.packet.IQ;

/**
 * A scheduler's command to a node, or the node's answer carrying data, sent to the node's occupant JID in the pool
 * MUC (Prosody routes it, as it routes Jicofo's start to a Jibri). A recording travels as its plan, in JSON:
 *
 * <pre>{@code
 * <fleet xmlns='urn:capstan:fleet:1' action='record' id='R' part='2' part-id='P'>
 *   <plan>{"id":"R","name":"standup","meeting":{"kind":"jitsi-room",…},"outputs":[…],…}</plan>
 * </fleet>
 * <fleet xmlns='urn:capstan:fleet:1' action='add-stream' id='R' part='2' part-id='P'><stream url='rtmp://…'/></fleet>
 * <fleet xmlns='urn:capstan:fleet:1' action='streams'><streams>[{"id":"s1","url":"rtmp://host/app/****",…}]</streams></fleet>
 * <fleet xmlns='urn:capstan:fleet:1'><pause at='2026-12-07T14:00:07.52Z' position-ms='7480'/></fleet>
 * }</pre>
 *
 * The node answers a command with an empty result, a {@code fleet} result holding {@code streams}, or an error:
 * {@code service-unavailable} when it cannot take the recording, {@code item-not-found} for a recording (or
 * destination) it does not have, {@code conflict} for a change the recording refuses (for a pause or resume with a
 * {@code <pause-refused reason='already-paused'/>} beside it), {@code bad-request} for a command it cannot read.
 */
public final class FleetIq extends IQ {

    public static final String ELEMENT = "fleet";
    public static final String NAMESPACE = NodeReport.NAMESPACE;

    /** What a command asks, by its stable wire name. */
    public enum Action {
        RECORD("record"), STOP("stop"), DRAIN("drain"), UNDRAIN("undrain"), STREAMS("streams"),
        ADD_STREAM("add-stream"), REMOVE_STREAM("remove-stream"), PAUSE("pause"), RESUME("resume");

        private final String wireName;

        Action(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        public static Optional<Action> ofWireName(String wireName) {
            return Arrays.stream(values()).filter(action -> action.wireName.equals(wireName)).findFirst();
        }
    }

    /** Which part of which recording a command is about. */
    public record PartAddress(String id, int part, String partId) {

        public PartAddress {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(partId, "partId");
        }
    }

    /**
     * A pause or resume as the node did it, in its answer: {@code <pause at='…' position-ms='…'
     * [paused-for-ms='…']/>}.
     *
     * @param at        when the capture stopped (pause), or grabbed its first frame again (resume)
     * @param position  where the recording's media stands
     * @param pausedFor how long the pause lasted, for a resume
     */
    public record PauseMark(Instant at, Duration position, Optional<Duration> pausedFor) {

        public PauseMark {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(position, "position");
            Objects.requireNonNull(pausedFor, "pausedFor");
        }
    }

    /** The element of a refused pause or resume, beside the error's {@code conflict}: its {@code reason}. */
    public static final String REFUSED = "pause-refused";

    private final String action;
    private final Optional<PartAddress> target;
    private final Optional<String> streamId;
    private final Optional<String> streamUrl;
    private final Optional<String> planJson;
    private final Optional<String> streamsJson;
    private final Optional<PauseMark> pause;

    /**
     * @param action      the action's wire name as sent; empty on an answer
     * @param streamUrl   the destination an {@code add-stream} adds; it holds a stream key, so it is never logged
     * @param planJson    the recording's plan, for {@code record}
     * @param streamsJson destinations as a JSON array, masked, in an answer
     * @param pause       the pause or resume done, in the answer to one
     */
    public FleetIq(String action, Optional<PartAddress> target, Optional<String> streamId, Optional<String> streamUrl,
            Optional<String> planJson, Optional<String> streamsJson, Optional<PauseMark> pause) {
        super(ELEMENT, NAMESPACE);
        this.action = Objects.requireNonNull(action, "action");
        this.target = target;
        this.streamId = streamId;
        this.streamUrl = streamUrl;
        this.planJson = planJson;
        this.streamsJson = streamsJson;
        this.pause = pause;
    }

    public FleetIq(String action, Optional<PartAddress> target, Optional<String> streamId, Optional<String> streamUrl,
            Optional<String> planJson, Optional<String> streamsJson) {
        this(action, target, streamId, streamUrl, planJson, streamsJson, Optional.empty());
    }

    /** A command about no recording in particular: drain, undrain. */
    public static FleetIq command(Action action) {
        return new FleetIq(action.wireName(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    /** A command about one part of a recording: stop, streams, pause, resume. */
    public static FleetIq command(Action action, PartAddress target) {
        return new FleetIq(action.wireName(), Optional.of(target), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    public static FleetIq record(PartAddress target, String planJson) {
        return new FleetIq(Action.RECORD.wireName(), Optional.of(target), Optional.empty(), Optional.empty(),
                Optional.of(planJson), Optional.empty());
    }

    public static FleetIq addStream(PartAddress target, String url) {
        return new FleetIq(Action.ADD_STREAM.wireName(), Optional.of(target), Optional.empty(), Optional.of(url),
                Optional.empty(), Optional.empty());
    }

    public static FleetIq removeStream(PartAddress target, String streamId) {
        return new FleetIq(Action.REMOVE_STREAM.wireName(), Optional.of(target), Optional.of(streamId),
                Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** The answer to {@code request}, holding destinations. */
    public static FleetIq answer(IQ request, String streamsJson) {
        FleetIq answer = new FleetIq("", Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(streamsJson));
        answer.setType(IQ.Type.result);
        answer.setStanzaId(request.getStanzaId());
        answer.setTo(request.getFrom());
        return answer;
    }

    /** The answer to a pause or resume: what the node did. */
    public static FleetIq answer(IQ request, PauseMark pause) {
        FleetIq answer = new FleetIq("", Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of(pause));
        answer.setType(IQ.Type.result);
        answer.setStanzaId(request.getStanzaId());
        answer.setTo(request.getFrom());
        return answer;
    }

    /** The action as sent; {@link #action()} reads it. */
    public String actionName() {
        return action;
    }

    public Optional<Action> action() {
        return Action.ofWireName(action);
    }

    public Optional<PartAddress> target() {
        return target;
    }

    public Optional<String> streamId() {
        return streamId;
    }

    public Optional<String> streamUrl() {
        return streamUrl;
    }

    public Optional<String> planJson() {
        return planJson;
    }

    public Optional<String> streamsJson() {
        return streamsJson;
    }

    public Optional<PauseMark> pause() {
        return pause;
    }

    @Override
    protected IQChildElementXmlStringBuilder getIQChildElementBuilder(IQChildElementXmlStringBuilder xml) {
        xml.optAttribute("action", action.isEmpty() ? null : action);
        target.ifPresent(part -> {
            xml.attribute("id", part.id());
            xml.attribute("part", part.part());
            xml.attribute("part-id", part.partId());
        });
        xml.optAttribute("stream-id", streamId.orElse(null));
        if (streamUrl.isEmpty() && planJson.isEmpty() && streamsJson.isEmpty() && pause.isEmpty()) {
            xml.setEmptyElement();
            return xml;
        }
        xml.rightAngleBracket();
        streamUrl.ifPresent(url -> xml.halfOpenElement("stream").attribute("url", url).closeEmptyElement());
        planJson.ifPresent(json -> xml.element("plan", json));
        streamsJson.ifPresent(json -> xml.element("streams", json));
        pause.ifPresent(mark -> xml.halfOpenElement("pause").attribute("at", mark.at().toString())
                .attribute("position-ms", Long.toString(mark.position().toMillis()))
                .optAttribute("paused-for-ms", mark.pausedFor().map(d -> Long.toString(d.toMillis())).orElse(null))
                .closeEmptyElement());
        return xml;
    }

    /** For logs: stream addresses and plans carry keys and are never printed. */
    public String describe() {
        return "fleet " + action + target.map(part -> " " + part.id() + " part " + part.part()).orElse("");
    }
}
