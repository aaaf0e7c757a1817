package dev.capstan.scheduler.pool;

import dev.capstan.recorder.node.NodeConfig;
import dev.capstan.recorder.slot.SlotConfig;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code capstan.node.*}: the pool of warm slots on this host and how it admits recordings. The defaults derive the
 * slot count from the cores and the measured cost of a recording.
 *
 * @param slots              slots to keep warm; 0 means as many as {@code cpu-budget} holds at {@code cpu-per-recording}
 * @param queueTimeout       how long a request that can wait (REST, Jibri's HTTP API, the demo) waits for room
 *                           before it is refused; a REST or Jibri HTTP request is answered once it started or not
 * @param maxQueueLength     requests that may wait at once
 * @param recycleAfterUses   rebuild a slot after this many recordings (0: never)
 * @param recycleAfter       rebuild a slot after it has been warm this long (0: never)
 * @param cpuPerRecording    cores reserved for a new recording until its own use is measured
 * @param memoryPerRecording memory reserved for a new recording until its own use is measured
 * @param cpuBudget          share of all cores recordings may use together, before foreign load (everything but
 *                           this node's slots) is taken off
 * @param memoryReserve      memory never handed out to recordings
 * @param overloadSpeed      an encoder slower than this, relative to real time, stops admission
 * @param overloadFpsShare   a recording delivering less than this share of its target frame rate (duplicates not
 *                           counted) stops admission
 * @param speedWindow        the window over which encoder speed, delivered frame rate and CPU use are measured
 * @param foreignLoadWindow  time constant of the moving average of foreign load that admission goes by
 * @param admissionHold      a verdict driven by load holds at least this long (brewery presence changes no faster)
 * @param admissionMargin    cores left over, beyond another recording, before a node holding for CPU admits again
 * @param cpuPerAudioRecording cores reserved for a new audio-only recording until its own use is measured
 * @param maxSlots           slots the pool may grow to, beyond {@code slots}, for a waiting recording that admission
 *                           would take at its own estimate (an audio-only one) while no slot is idle; 0 means as many
 *                           as {@code cpu-budget} holds at {@code cpu-per-audio-recording} and memory (less {@code
 *                           memory-reserve}) at {@code memory-per-recording}
 * @param slotLinger         how long a slot beyond {@code slots} stays idle before it is stopped
 * @param drainTimeout       how long a fleet node that is asked to stop (SIGTERM) waits for its recordings to end;
 *                           what still runs then continues on another node
 */
@ConfigurationProperties("capstan.node")
public record NodeProperties(
        @DefaultValue("0") int slots,
        @DefaultValue("2m") Duration queueTimeout,
        @DefaultValue("100") int maxQueueLength,
        @DefaultValue("0") int recycleAfterUses,
        @DefaultValue("0s") Duration recycleAfter,
        @DefaultValue("0.9") double cpuPerRecording,
        @DefaultValue("700MB") DataSize memoryPerRecording,
        @DefaultValue("1.0") double cpuBudget,
        @DefaultValue("512MB") DataSize memoryReserve,
        @DefaultValue("0.98") double overloadSpeed,
        @DefaultValue("0.9") double overloadFpsShare,
        @DefaultValue("10s") Duration speedWindow,
        @DefaultValue("5s") Duration healthCheckInterval,
        @DefaultValue("6h") Duration drainTimeout,
        @DefaultValue("30s") Duration foreignLoadWindow,
        @DefaultValue("10s") Duration admissionHold,
        @DefaultValue("0.25") double admissionMargin,
        @DefaultValue("" + NodeConfig.DEFAULT_CPU_PER_AUDIO_RECORDING) double cpuPerAudioRecording,
        @DefaultValue("0") int maxSlots,
        @DefaultValue("30s") Duration slotLinger) {

    /** The node configuration these properties describe, for slots built as {@code slot} says. */
    public NodeConfig nodeConfig(SlotConfig slot) {
        return new NodeConfig(slot, slots, maxQueueLength, queueTimeout, recycleAfterUses, recycleAfter, cpuPerRecording,
                memoryPerRecording.toBytes(), cpuBudget, memoryReserve.toBytes(), overloadSpeed, overloadFpsShare,
                speedWindow, healthCheckInterval, foreignLoadWindow, admissionHold, admissionMargin,
                cpuPerAudioRecording, maxSlots, slotLinger);
    }
}
