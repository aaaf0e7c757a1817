package dev.capstan.scheduler.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.demo.DemoMeeting;
import dev.capstan.recorder.fixture.Leftovers;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.scheduler.CapstanApplication;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/** {@code ./capstan demo}, minus the shell: the service records its own demo page and prints a playable file. */
@Tag("media")
@ExtendWith(OutputCaptureExtension.class)
class DemoCommandTest {

    @TempDir
    Path recordings;

    @Test
    void recordsTheDemoMeetingAndPrintsWhereTheFileIs(CapturedOutput output) throws Exception {
        Set<Long> alreadyRunning = Leftovers.running();
        try (ConfigurableApplicationContext context = SpringApplication.run(CapstanApplication.class,
                CapstanApplication.demoArguments(List.of("--capstan.demo.length=4s",
                        "--capstan.archive.local.root=" + recordings.resolve("archive"),
                        "--capstan.archive.spool=" + recordings.resolve("spool"))))) {
            assertThat(SpringApplication.exit(context)).as("exit code").isZero();
        }
        Matcher line = Pattern.compile("(?m)^recording: (.+\\.mp4)$").matcher(output.getOut());
        assertThat(line.find()).as("a 'recording: <path>' line in:%n%s", output.getOut()).isTrue();
        Path file = Path.of(line.group(1));
        assertThat(file).startsWith(recordings.resolve("archive")).isRegularFile();
        // Jibri's layout: the MP4 with metadata.json (and a thumbnail) beside it; the spool is emptied.
        assertThat(file.resolveSibling("metadata.json")).isRegularFile();
        assertThat(file.resolveSibling("thumbnail.jpg")).isRegularFile();
        assertThat(recordings.resolve("spool")).isEmptyDirectory();

        MediaReport report = MediaReport.of(file);
        assertThat(report.duration()).isBetween(3.5, 4.5);
        assertThat(report.averageFps()).isGreaterThanOrEqualTo(29);
        assertThat(report.hasPicture()).isTrue();
        assertThat(report.toneLevelDb(DemoMeeting.TILE_TONES_HZ.get(0))).isGreaterThan(20);
        assertThat(Leftovers.processesOtherThan(alreadyRunning)).as("processes left by the demo").isEmpty();
    }
}
