package dev.capstan.scheduler.plan;

import dev.capstan.recorder.capture.OutputSize;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.slot.AutoStop;
import dev.capstan.scheduler.archive.RecordingOrder;
import dev.capstan.storage.archive.PartOf;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One recording as its front door (REST, a Jicofo IQ, Jibri's HTTP API) validated it, once: what to open, what to
 * make of it, for how long and under which name. The node that records it, here or across the fleet, takes it as it
 * is; it travels to a remote node as JSON ({@link PlanJson}) and is kept with the session, so that any scheduler can
 * place its next part.
 *
 * @param name        the catalog's name for it: a room's name, or a page's host and path
 * @param outputs     what it makes: the file, live streams, or both, from one encode; and each speaker's sound beside
 *                    the file
 * @param maxDuration the whole recording's limit; a later part gets what is left of it
 * @param autoStop    when it ends by itself because its meeting did (empty, all muted, no media)
 * @param size        a picture smaller than the recorder's display, scaled by the encoder
 * @param metadata    the requester's data about it (REST {@code metadata}, Jicofo's {@code app_data})
 * @param sessionId   Jicofo's {@code session_id}, for a recording Jicofo asked for
 */
public record RecordingPlan(RecordingId id, String name, Meeting meeting, List<Output> outputs,
        Optional<Duration> maxDuration, Optional<AutoStop> autoStop, Optional<OutputSize> size,
        Map<String, Object> metadata, Optional<String> sessionId, Instant requestedAt) {

    public RecordingPlan {
        Objects.requireNonNull(id, "id is required");
        Objects.requireNonNull(name, "name is required");
        Objects.requireNonNull(meeting, "meeting is required");
        // What its JSON leaves out, it does not have.
        maxDuration = given(maxDuration);
        autoStop = given(autoStop);
        size = given(size);
        sessionId = given(sessionId);
        Objects.requireNonNull(requestedAt, "requestedAt is required");
        outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs is required"));
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("a recording makes a file, a live stream or both");
        }
        if (outputs.stream().filter(RecordingPlan::isFile).count() > 1) {
            throw new IllegalArgumentException("a recording makes one file: " + kinds(outputs));
        }
        if (outputs.contains(new Output.AudioFile()) && outputs.stream().anyMatch(Output.Stream.class::isInstance)) {
            throw new IllegalArgumentException("an audio-only recording streams nothing: " + kinds(outputs));
        }
        if (outputs.stream().filter(Output.SpeakerTracks.class::isInstance).count() > 1) {
            throw new IllegalArgumentException("speaker tracks are asked for once: " + kinds(outputs));
        }
        if (outputs.contains(new Output.SpeakerTracks()) && outputs.stream().noneMatch(RecordingPlan::isFile)) {
            throw new IllegalArgumentException("speaker tracks are kept beside a file, a stream keeps none: "
                    + kinds(outputs));
        }
        if (outputs.stream().distinct().count() != outputs.size()) {
            throw new IllegalArgumentException("a destination is given twice");
        }
        if (maxDuration.filter(limit -> limit.isNegative() || limit.isZero()).isPresent()) {
            throw new IllegalArgumentException("maxDuration must be positive");
        }
        // Not Map.copyOf: the requester's JSON may hold nulls.
        metadata = Collections.unmodifiableMap(metadata == null ? Map.of() : new LinkedHashMap<>(metadata));
    }

    /** The outputs' kinds, by their wire names, to name a combination that is refused. */
    private static String kinds(List<Output> outputs) {
        return outputs.stream().map(RecordingPlan::kind).reduce((a, b) -> a + " + " + b).orElse("");
    }

    private static String kind(Output output) {
        if (output instanceof Output.Stream) {
            return "stream";
        }
        return output instanceof Output.AudioFile ? "audio"
                : output instanceof Output.SpeakerTracks ? "speaker-tracks" : "file";
    }

    private static boolean isFile(Output output) {
        return output instanceof Output.File || output instanceof Output.AudioFile;
    }

    private static <T> Optional<T> given(Optional<T> value) {
        return value == null ? Optional.empty() : value;
    }

    /** A page recorded to a file, as it is, under {@code name}. */
    public static RecordingPlan ofPage(RecordingId id, String name, URI page, Optional<Duration> maxDuration) {
        return new RecordingPlan(id, name, new Meeting.Page(page), outputs(true, List.of()), maxDuration,
                Optional.empty(), Optional.empty(), Map.of(), Optional.empty(), Instant.now());
    }

    /** The outputs of a recording that keeps a file or not, and streams to {@code streams}. */
    public static List<Output> outputs(boolean recordsFile, List<StreamUrl> streams) {
        List<Output> outputs = new ArrayList<>();
        if (recordsFile) {
            outputs.add(new Output.File());
        }
        streams.forEach(url -> outputs.add(new Output.Stream(url)));
        return outputs;
    }

    /** True unless this is a live stream that keeps no file. */
    public boolean recordsFile() {
        return outputs.stream().anyMatch(RecordingPlan::isFile);
    }

    /** Each remote speaker's sound is kept in files of its own too, when the page offers its tracks. */
    public boolean speakerTracks() {
        return outputs.contains(new Output.SpeakerTracks());
    }

    /** This plan, keeping each speaker's sound beside its file too. */
    public RecordingPlan withSpeakerTracks() {
        if (speakerTracks()) {
            return this;
        }
        List<Output> more = new ArrayList<>(outputs);
        more.add(new Output.SpeakerTracks());
        return withOutputs(more);
    }

    /** Only the page's sound: no picture is grabbed or encoded. */
    public boolean audioOnly() {
        return outputs.contains(new Output.AudioFile());
    }

    /** The live destinations, in the order given. */
    public List<StreamUrl> streams() {
        return outputs.stream().filter(Output.Stream.class::isInstance).map(output -> ((Output.Stream) output).url())
                .toList();
    }

    public Mode mode() {
        return audioOnly() ? Mode.AUDIO : Mode.of(recordsFile(), streams().size());
    }

    /**
     * This plan continuing recording {@code recording}, requested at {@code since}: a retried request (Jicofo's)
     * records the next part of a recording that already has an id, and its limit counts from the first request.
     */
    public RecordingPlan continuing(RecordingId recording, Instant since) {
        return new RecordingPlan(recording, name, meeting, outputs, maxDuration, autoStop, size, metadata, sessionId,
                since);
    }

    /** This plan, also streaming to {@code url} (added while it runs), so that a later part streams there too. */
    public RecordingPlan withStream(StreamUrl url) {
        List<Output> more = new ArrayList<>(outputs);
        more.add(new Output.Stream(url));
        return withOutputs(more);
    }

    /** This plan without the destination {@code url} (removed while it runs). */
    public RecordingPlan withoutStream(StreamUrl url) {
        return withOutputs(outputs.stream().filter(output -> !output.equals(new Output.Stream(url))).toList());
    }

    private RecordingPlan withOutputs(List<Output> changed) {
        return new RecordingPlan(id, name, meeting, changed, maxDuration, autoStop, size, metadata, sessionId,
                requestedAt);
    }

    /** The recording's limit for a part starting {@code now}: what is left of it, at least a second. */
    public Optional<Duration> timeLeft(Instant now) {
        return maxDuration.map(limit -> limit.minus(Duration.between(requestedAt, now)))
                .map(left -> left.isNegative() || left.isZero() ? Duration.ofSeconds(1) : left);
    }

    /** How the archive files part 1 (the recording itself). */
    public RecordingOrder order() {
        return new RecordingOrder(id, name, meeting.address(), sessionId, metadata, requestedAt);
    }

    /** How the archive files part {@code part} (above 1: below this recording, as {@code partId}). */
    public RecordingOrder order(int part, RecordingId partId) {
        RecordingOrder order = new RecordingOrder(partId, name, meeting.address(), sessionId, metadata, requestedAt);
        return part > 1 ? order.withPart(new PartOf(id, part)) : order;
    }

    /** For logs: never the addresses (they carry tokens and stream keys). */
    @Override
    public String toString() {
        return "recording " + id + " of " + name + " (" + mode().wireName() + ", " + streams().size() + " streams)";
    }
}
