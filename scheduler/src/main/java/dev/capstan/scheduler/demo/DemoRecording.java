package dev.capstan.scheduler.demo;

import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.node.NodeStatus;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.plan.Part;
import dev.capstan.scheduler.plan.RecordingPlan;
import dev.capstan.scheduler.pool.NodeProperties;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.blob.LocalBlobStore;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.stereotype.Component;

/**
 * {@code ./capstan demo}: records the built-in demo meeting, served by this very process, into local storage and
 * prints where the playable file is: it goes through the archive like any recording, so it is also listed at
 * {@code /api/v1/recordings}. Runs only when the application is started with the {@code demo} argument.
 */
@Component
@ConditionalOnExpression("'${capstan.command:}' == 'demo'")
public class DemoRecording implements ApplicationRunner, ExitCodeGenerator {

    private static final Logger log = LoggerFactory.getLogger(DemoRecording.class);
    /** How often the demo says what it waits for while it waits for a slot. */
    private static final Duration WAIT_REPORT_INTERVAL = Duration.ofSeconds(5);

    private final Recordings recordings;
    private final Node node;
    private final NodeProperties nodeProperties;
    private final DemoProperties demo;
    private final WebServerApplicationContext web;
    private int exitCode;

    public DemoRecording(Recordings recordings, Node node, NodeProperties nodeProperties, DemoProperties demo,
            WebServerApplicationContext web) {
        this.recordings = recordings;
        this.node = node;
        this.nodeProperties = nodeProperties;
        this.demo = demo;
        this.web = web;
    }

    @Override
    public void run(ApplicationArguments args) throws Exception {
        URI page = URI.create("http://127.0.0.1:" + web.getWebServer().getPort() + DemoPageController.PATH);
        RecordingPlan plan = RecordingPlan.ofPage(RecordingId.generate(), "demo-meeting", page,
                Optional.of(demo.length()));
        log.info("recording the demo meeting at {} for {} s into {}", page, demo.length().toSeconds(),
                recordings.archive().store().describe());
        SlotEvent.Outcome outcome;
        try {
            CompletableFuture<Recording> starting = recordings.start(plan, Part.first(plan),
                    nodeProperties.queueTimeout(), DemoRecording::report);
            outcome = awaitStart(starting, node::status, nodeProperties.queueTimeout(), WAIT_REPORT_INTERVAL,
                    System.out).outcome().join();
        } catch (ExecutionException | CompletionException e) {
            System.err.println("demo recording could not start: " + e.getCause().getMessage());
            exitCode = 1;
            return;
        }
        if (outcome instanceof SlotEvent.Failed failed) {
            System.err.println("demo recording failed: " + failed.failure());
        }
        RecordingEntry entry;
        try {
            entry = recordings.archive().settled(plan.id()).get(2, TimeUnit.MINUTES).orElseThrow();
        } catch (ExecutionException | TimeoutException e) {
            System.err.println("demo recording was not archived: " + e);
            exitCode = 1;
            return;
        }
        Optional<String> where = entry.mediaKey().map(key -> location(entry, key));
        if (entry.status() == RecordingStatus.READY && where.isPresent()) {
            System.out.println("recording: " + where.get());
        } else {
            System.err.println("demo recording is " + entry.status().name().toLowerCase(Locale.ROOT)
                    + entry.statusDetail().map(detail -> ": " + detail).orElse(""));
            where.ifPresent(file -> System.out.println("partial recording: " + file));
            exitCode = 1;
        }
    }

    /**
     * Waits for a slot to take the recording, saying every {@code interval} what it waits for (the node's reason,
     * its slots' states and the queue), so that a wait on a busy host is never silent.
     */
    static Recording awaitStart(CompletableFuture<Recording> starting, Supplier<NodeStatus> node, Duration timeout,
            Duration interval, PrintStream out) throws ExecutionException, InterruptedException {
        long began = System.nanoTime();
        while (true) {
            try {
                return starting.get(interval.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                out.println(waiting(node.get(), Duration.ofNanos(System.nanoTime() - began), timeout));
            }
        }
    }

    /** One line: how long the demo has waited, and why the node does not start it yet. */
    static String waiting(NodeStatus status, Duration waited, Duration timeout) {
        String why = status.busy().map(hold -> hold.reason().name().toLowerCase(Locale.ROOT).replace('_', '-')
                + " (" + hold.detail() + ")").orElse("a slot is being handed out");
        String slots = status.slots().stream().map(slot -> slot.name() + " " + slot.state())
                .collect(Collectors.joining(", "));
        return String.format(Locale.ROOT, "waiting for a recording slot (%d s of %d s): %s; slots: %s; %d queued",
                waited.toSeconds(), timeout.toSeconds(), why, slots.isEmpty() ? "none" : slots, status.queued());
    }

    /** A local store's file path (playable as it is), or the store's own address of the object. */
    private String location(RecordingEntry entry, String key) {
        if (recordings.archive().store() instanceof LocalBlobStore local) {
            return local.localFile(key).map(Path::toString).orElse(key);
        }
        return entry.location().orElse(key);
    }

    private static void report(SlotEvent event) {
        if (event instanceof SlotEvent.Joined joined) {
            log.info("joined the demo meeting after {} ms", joined.sinceRequest().toMillis());
        } else if (event instanceof SlotEvent.FirstFrameWritten first) {
            log.info("recording is on: first frame after {} ms", first.sinceRequest().toMillis());
        } else if (event instanceof SlotEvent.Progress p) {
            log.info(String.format(Locale.ROOT, "recorded %.1f s, %d frames, %.1f fps, %d kB",
                    p.progress().recorded().toMillis() / 1000.0, p.progress().frames(), p.progress().fps(),
                    p.progress().bytes() / 1024));
        }
    }

    @Override
    public int getExitCode() {
        return exitCode;
    }
}
