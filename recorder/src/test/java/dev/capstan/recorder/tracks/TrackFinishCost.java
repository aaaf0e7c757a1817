package dev.capstan.recorder.tracks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What making one speaker's part final costs, for the bench: the same two steps the recorder takes when the
 * recording ends ({@link TrackAudio#remux}, then {@link TrackAudio#measure}), timed and their CPU counted, on a copy
 * of the part's WebM as the page gave it.
 *
 * @param durationMs     how long the part plays
 * @param webmBytes      the part as taken from the page
 * @param oggBytes       the final file
 * @param remuxMillis    wall time of the rewrite as Ogg
 * @param remuxCpuMillis CPU time of its FFmpeg process (from this JVM's reaped children, so 10 ms steps)
 * @param measureMillis  wall time of the decode that finds length and audible stretches
 * @param measureCpuMillis CPU time of that decode (this thread's)
 */
public record TrackFinishCost(long durationMs, long webmBytes, long oggBytes, double remuxMillis,
        double remuxCpuMillis, double measureMillis, double measureCpuMillis) {

    private static final double TICKS_PER_SECOND = 100;

    /** Finishes {@code webm} into {@code ogg} as the recorder does; fails if the part holds no sound. */
    public static TrackFinishCost of(Path ffmpeg, Path webm, Path ogg) throws IOException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long children = reapedChildrenTicks();
        long started = System.nanoTime();
        TrackAudio.rewrite(ffmpeg, webm, ogg, TrackAudio.holes(webm));
        double remuxMillis = (System.nanoTime() - started) / 1e6;
        double remuxCpuMillis = (reapedChildrenTicks() - children) * 1000 / TICKS_PER_SECOND;
        long cpu = threads.getCurrentThreadCpuTime();
        started = System.nanoTime();
        TrackAudio.Measured measured = TrackAudio.measure(ogg)
                .orElseThrow(() -> new IOException(webm.getFileName() + " holds no sound"));
        double measureMillis = (System.nanoTime() - started) / 1e6;
        double measureCpuMillis = (threads.getCurrentThreadCpuTime() - cpu) / 1e6;
        return new TrackFinishCost(measured.durationMs(), Files.size(webm), Files.size(ogg), remuxMillis,
                remuxCpuMillis, measureMillis, measureCpuMillis);
    }

    /** CPU ticks of this JVM's children that ended and were waited for (cutime + cstime). */
    private static long reapedChildrenTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
    }
}
