package dev.capstan.scheduler.plan;

import dev.capstan.storage.archive.RecordingId;
import java.util.Objects;

/**
 * Which piece of a recording a recorder makes: part 1 is the recording itself; after a fault moved it to another
 * slot or node, each part is a catalog recording of its own below the first.
 *
 * @param id the catalog recording holding this part (the recording's own id for part 1)
 */
public record Part(int number, RecordingId id) {

    public Part {
        Objects.requireNonNull(id, "id");
        if (number < 1) {
            throw new IllegalArgumentException("parts count from 1, not " + number);
        }
    }

    /** The recording itself. */
    public static Part first(RecordingPlan plan) {
        return new Part(1, plan.id());
    }

    /** The part after this one, under a new id. */
    public Part next() {
        return new Part(number + 1, RecordingId.generate());
    }
}
