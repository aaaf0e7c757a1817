package dev.capstan.recorder.node;

/**
 * What the host is using right now.
 *
 * @param cores           cores this process may use
 * @param cpuBusy         cores' worth of CPU time spent over the last few seconds, by every process on the host
 * @param foreignCpu      of that, what is not our slots' processes, as admission sees it: a moving average over
 *                        {@code capstan.node.foreign-load-window}
 * @param memoryAvailable bytes the kernel could hand out without swapping ({@code MemAvailable})
 */
public record HostLoad(int cores, double cpuBusy, double foreignCpu, long memoryAvailable, long memoryTotal) {
}
