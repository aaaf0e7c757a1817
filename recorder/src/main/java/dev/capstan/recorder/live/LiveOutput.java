package dev.capstan.recorder.live;

import java.util.List;

/**
 * A recording's live output, as requested: where to stream from the start (more can be added while it runs)
 * and whether a file is recorded as well.
 *
 * @param withFile false for a live stream that keeps nothing (Jibri's stream mode)
 */
public record LiveOutput(List<StreamUrl> destinations, LiveSettings settings, boolean withFile) {

    public LiveOutput {
        destinations = List.copyOf(destinations);
        if (destinations.size() > settings.maxDestinations()) {
            throw new IllegalArgumentException("at most " + settings.maxDestinations() + " destinations, not "
                    + destinations.size());
        }
        if (destinations.stream().distinct().count() != destinations.size()) {
            throw new IllegalArgumentException("a destination is given twice");
        }
    }
}
