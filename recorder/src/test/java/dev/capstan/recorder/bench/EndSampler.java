package dev.capstan.recorder.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where a recording's thread spends the time from the stop to its result, from samples of its stack: the last
 * chunks of the page, the encoder's drain, the slot's release, the composite's assembly, and each speaker part's
 * rewrite as Ogg and analysis. A wall-clock split of the real end, beside the CPU the bench measures on copies.
 */
final class EndSampler implements AutoCloseable {

    private static final Duration EVERY = Duration.ofMillis(20);
    /** The first frame from the top that names one of these (class suffix and method) names the step. */
    private static final List<String[]> STEPS = List.of(
            new String[] {"TrackAudio", "remux", "rewrite as Ogg"},
            new String[] {"TrackAudio", "measure", "analysis"},
            new String[] {"SpeakerTrackCapture", "finishPage", "last chunks"},
            new String[] {"SpeakerTrackCapture", "finish", "tracks, other"},
            new String[] {"Recording", "assemble", "composite assembly"},
            new String[] {"Recording", "releaseSlot", "slot release"},
            new String[] {"Capture", "stop", "encoder drain"});

    private final Map<String, Double> millis = new TreeMap<>();
    private final Thread sampler;
    private volatile boolean running = true;

    private EndSampler(long threadId) {
        sampler = new Thread(() -> sample(threadId), "end-sampler");
        sampler.setDaemon(true);
        sampler.start();
    }

    /** Samples the thread of that name, if there is one, until closed. */
    static Optional<EndSampler> of(String threadName) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return Arrays.stream(threads.getThreadInfo(threads.getAllThreadIds()))
                .filter(info -> info != null && info.getThreadName().equals(threadName)).findFirst()
                .map(info -> new EndSampler(info.getThreadId()));
    }

    private void sample(long threadId) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long last = System.nanoTime();
        while (running) {
            ThreadInfo info = threads.getThreadInfo(threadId, 64);
            if (info == null) {
                return; // the thread ended: the result is out
            }
            long now = System.nanoTime();
            String step = step(info.getStackTrace());
            synchronized (this) {
                millis.merge(step, (now - last) / 1e6, Double::sum);
            }
            last = now;
            try {
                Thread.sleep(EVERY.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static String step(StackTraceElement[] stack) {
        for (StackTraceElement frame : stack) {
            for (String[] step : STEPS) {
                if (frame.getClassName().endsWith("." + step[0]) && frame.getMethodName().equals(step[1])) {
                    return step[2];
                }
            }
        }
        return "other";
    }

    /** Milliseconds by step so far. */
    synchronized Map<String, Double> millis() {
        return PipelineBench.rounded(millis, 0);
    }

    @Override
    public void close() {
        running = false;
        sampler.interrupt();
    }
}
