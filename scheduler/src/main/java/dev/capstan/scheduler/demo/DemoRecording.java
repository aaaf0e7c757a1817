package dev.capstan.scheduler.demo;

import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.archive.RecordingOrder;
import dev.capstan.scheduler.pool.NodeProperties;
import dev.capstan.scheduler.recording.Recordings;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.blob.LocalBlobStore;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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

    private final Recordings recordings;
    private final NodeProperties nodeProperties;
    private final DemoProperties demo;
    private final WebServerApplicationContext web;
    private int exitCode;

    public DemoRecording(Recordings recordings, NodeProperties nodeProperties, DemoProperties demo,
            WebServerApplicationContext web) {
        this.recordings = recordings;
        this.nodeProperties = nodeProperties;
        this.demo = demo;
        this.web = web;
    }

    @Override
    public void run(ApplicationArguments args) throws Exception {
        URI page = URI.create("http://127.0.0.1:" + web.getWebServer().getPort() + DemoPageController.PATH);
        RecordingOrder order = RecordingOrder.of(RecordingId.generate(), "demo-meeting", page);
        log.info("recording the demo meeting at {} for {} s into {}", page, demo.length().toSeconds(),
                recordings.archive().store().describe());
        SlotEvent.Outcome outcome;
        try {
            outcome = recordings.start(order, new WebPage(page), Optional.of(demo.length()),
                    nodeProperties.queueTimeout(), DemoRecording::report).join().outcome().join();
        } catch (CompletionException e) {
            System.err.println("demo recording could not start: " + e.getCause().getMessage());
            exitCode = 1;
            return;
        }
        if (outcome instanceof SlotEvent.Failed failed) {
            System.err.println("demo recording failed: " + failed.failure());
        }
        RecordingEntry entry;
        try {
            entry = recordings.archive().settled(order.id()).get(2, TimeUnit.MINUTES).orElseThrow();
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
