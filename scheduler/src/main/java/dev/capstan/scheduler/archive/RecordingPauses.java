package dev.capstan.scheduler.archive;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.storage.archive.RecordingEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A recording's pauses in order: filed with it in the catalog at every pause and resume, written into its
 * {@code metadata.json} and shown by its timeline, so that a finished recording still says where it was paused.
 */
public record RecordingPauses(List<Pause> pauses) {

    public static final RecordingPauses NONE = new RecordingPauses(List.of());
    private static final TypeReference<List<Pause>> STORED = new TypeReference<>() {
    };

    /**
     * One pause.
     *
     * @param pausedAt        when the capture stopped
     * @param resumedAt       when the capture's first frame after it was grabbed; null while paused, and for a
     *                        recording that ended paused
     * @param positionSeconds where in the file it lies: the media before it ends there, the media after it begins
     *                        there
     * @param durationSeconds how long it lasted (wall time); null until it is resumed
     */
    public record Pause(Instant pausedAt, Instant resumedAt, double positionSeconds, Double durationSeconds) {
    }

    public RecordingPauses {
        pauses = List.copyOf(pauses);
    }

    /** With a pause that has just begun. */
    public RecordingPauses paused(SlotEvent.Paused paused) {
        List<Pause> more = new ArrayList<>(pauses);
        more.add(new Pause(paused.at(), null, seconds(paused.position()), null));
        return new RecordingPauses(more);
    }

    /** With the last pause ended by this resume; unchanged if none is open. */
    public RecordingPauses resumed(SlotEvent.Resumed resumed) {
        if (pauses.isEmpty() || pauses.get(pauses.size() - 1).resumedAt() != null) {
            return this;
        }
        List<Pause> closed = new ArrayList<>(pauses);
        Pause open = closed.remove(closed.size() - 1);
        closed.add(new Pause(open.pausedAt(), resumed.at(), open.positionSeconds(), seconds(resumed.pausedFor())));
        return new RecordingPauses(closed);
    }

    /** How long it has been paused in all, up to {@code now} for a pause still open. */
    public Duration total(Instant now) {
        return pauses.stream().map(pause -> Duration.between(pause.pausedAt(),
                pause.resumedAt() == null ? now : pause.resumedAt())).reduce(Duration.ZERO, Duration::plus);
    }

    /** As the catalog files it: a JSON array. */
    public String toJson(ObjectMapper json) {
        try {
            return json.writeValueAsString(pauses);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("pauses cannot be written as JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * The pauses filed with {@code entry}; none for a recording never paused.
     *
     * @throws IllegalStateException when what was filed cannot be read
     */
    public static RecordingPauses of(RecordingEntry entry, ObjectMapper json) {
        try {
            return entry.pausesJson().isEmpty() ? NONE : read(entry.pausesJson().get(), json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("recording " + entry.id() + " has pauses that cannot be read: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** The pauses {@link #toJson} wrote. */
    static RecordingPauses read(String stored, ObjectMapper json) throws JsonProcessingException {
        return new RecordingPauses(json.readValue(stored, STORED));
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
