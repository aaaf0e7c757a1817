package dev.capstan.scheduler.session;

import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.storage.archive.RecordingId;
import java.util.Optional;

/**
 * Where recordings run: this process's own node, or the nodes of a fleet. Every front door (REST, Jicofo's IQ,
 * Jibri's HTTP API) starts, stops and changes recordings through it alone, so that whatever works on one host works
 * across a fleet. Either implementation files the recording's session and drives it through {@link SessionState}'s
 * one transition table.
 */
public interface RecorderNode {

    /**
     * Files the session and starts the plan; returns once a recorder has taken it.
     *
     * @param origin   who asks, e.g. {@code rest} or {@code xmpp:prod/127.0.0.1/node-1}
     * @param wait     whether it may wait for room (Jicofo's IQ must be answered at once)
     * @param listener hears the session go on the air and end (Jicofo's status IQs follow it)
     * @throws StartRefusedException when no recorder took it; no session runs
     */
    RunningSession start(RecordingPlan plan, String origin, Wait wait, SessionListener listener)
            throws StartRefusedException;

    /** Whether a start may wait for room. */
    enum Wait {
        /** Now or never: a node without room refuses at once. */
        NOW,
        /** In the node's queue, up to {@code capstan.node.queue-timeout}, the caller blocked meanwhile. */
        IN_QUEUE
    }

    /** A session this node runs now, started by any front door. */
    Optional<RunningSession> running(RecordingId id);
}
