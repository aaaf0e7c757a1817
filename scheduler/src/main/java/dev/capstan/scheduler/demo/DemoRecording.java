package dev.capstan.scheduler.demo;

import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.node.Node;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.scheduler.pool.NodeProperties;
import dev.capstan.scheduler.recording.RecorderProperties;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionException;
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
 * prints where the playable file is. Runs only when the application is started with the {@code demo} argument.
 */
@Component
@ConditionalOnExpression("'${capstan.command:}' == 'demo'")
public class DemoRecording implements ApplicationRunner, ExitCodeGenerator {

    private static final Logger log = LoggerFactory.getLogger(DemoRecording.class);

    private final Node node;
    private final NodeProperties nodeProperties;
    private final RecorderProperties recorder;
    private final DemoProperties demo;
    private final WebServerApplicationContext web;
    private int exitCode;

    public DemoRecording(Node node, NodeProperties nodeProperties, RecorderProperties recorder, DemoProperties demo,
            WebServerApplicationContext web) {
        this.node = node;
        this.nodeProperties = nodeProperties;
        this.recorder = recorder;
        this.demo = demo;
        this.web = web;
    }

    @Override
    public void run(ApplicationArguments args) throws Exception {
        URI page = URI.create("http://127.0.0.1:" + web.getWebServer().getPort() + DemoPageController.PATH);
        RecordingId id = RecordingId.generate();
        Path directory = recorder.recordings().toAbsolutePath().resolve(id.value());
        log.info("recording the demo meeting at {} for {} s into {}", page, demo.length().toSeconds(), directory);
        RecordingRequest request = new RecordingRequest(id, new WebPage(page), directory, "demo-meeting",
                Optional.of(demo.length()));
        SlotEvent.Outcome outcome;
        try {
            outcome = node.record(request, DemoRecording::report, nodeProperties.queueTimeout()).join().outcome().join();
        } catch (CompletionException e) {
            System.err.println("demo recording could not start: " + e.getCause().getMessage());
            exitCode = 1;
            return;
        }
        if (outcome instanceof SlotEvent.Stopped stopped && stopped.file().isPresent()) {
            System.out.println("recording: " + stopped.file().get());
        } else if (outcome instanceof SlotEvent.Failed failed) {
            System.err.println("demo recording failed: " + failed.failure());
            failed.partialFile().ifPresent(file -> System.out.println("partial recording: " + file));
            exitCode = 1;
        } else {
            System.err.println("demo recording produced no file");
            exitCode = 1;
        }
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
