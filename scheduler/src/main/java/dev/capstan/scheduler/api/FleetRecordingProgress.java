package dev.capstan.scheduler.api;

import dev.capstan.scheduler.fleet.placement.FleetSessions;
import dev.capstan.scheduler.session.Session;
import dev.capstan.scheduler.session.Sessions;
import dev.capstan.storage.archive.RecordingId;
import java.util.Optional;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The status of a session running on one of the fleet's nodes: the session's state here, the encoder's figures as
 * the node's presence last reported them. Asked before this host's own recordings, which it does not run.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
@ConditionalOnProperty(name = "capstan.fleet.role", havingValue = "scheduler")
class FleetRecordingProgress implements RecordingProgress {

    private final FleetSessions fleet;
    private final Sessions sessions;

    FleetRecordingProgress(FleetSessions fleet, Sessions sessions) {
        this.fleet = fleet;
        this.sessions = sessions;
    }

    @Override
    public Optional<Progress> of(RecordingId id) {
        Optional<FleetSessions.Placed> placed = fleet.placement(id);
        Optional<Session> session = sessions.find(id);
        if (placed.isEmpty() || session.isEmpty()) {
            return Optional.empty();
        }
        return fleet.progress(id).map(report -> Progress.ofSession(session.get(), report.seconds(), report.fps(),
                report.speed(), report.bytes(), null, null, placed.get().node(), placed.get().part(), false)
                .withSpeakerTracks(report.tracks().map(SpeakerTracksStatus::of).orElse(null)));
    }
}
