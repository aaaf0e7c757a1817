package dev.capstan.recorder.slot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.capture.FfmpegBinary;
import dev.capstan.recorder.fixture.Leftovers;
import dev.capstan.recorder.fixture.PageServer;
import dev.capstan.recorder.fixture.RecordDemoMain;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.output.SegmentedRecording;
import dev.capstan.storage.archive.RecordingId;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash of the encoder, or of the whole recorder JVM, keeps what was recorded up to the crash as a playable
 * file and leaves no process running. Real Xvfb, PulseAudio, Chromium and FFmpeg; the kills are SIGKILL.
 */
@Tag("media")
class CrashSafetyTest {

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void killingFfmpegKeepsWhatWasRecordedAndTheSlot() throws Exception {
        Path work = temp.resolve("work");
        List<SlotEvent> events = new CopyOnWriteArrayList<>();
        CompletableFuture<Long> firstFrame = new CompletableFuture<>();
        try (PageServer pages = PageServer.start(); Slot slot = new Slot("slot-ffmpeg-killed", SlotConfig.defaults().withWorkDirectory(work))) {
            RecordingRequest request = RecordingRequest.of(RecordingId.of("ffmpeg-killed"), new WebPage(pages.demo()),
                    temp.resolve("recordings/ffmpeg-killed"));
            Recording recording = slot.record(request, event -> {
                if (event instanceof SlotEvent.FirstFrameWritten) {
                    firstFrame.complete(System.nanoTime());
                }
                events.add(event);
            });
            long first = firstFrame.get(60, TimeUnit.SECONDS);
            Thread.sleep(8_000);

            List<ProcessHandle> encoders = ProcessHandle.current().descendants()
                    .filter(p -> p.info().command().map(c -> Path.of(c).getFileName().toString().equals("ffmpeg")).orElse(false))
                    .toList();
            assertThat(encoders).as("one ffmpeg records").hasSize(1);
            long killedAt = System.nanoTime();
            assertThat(encoders.get(0).destroyForcibly()).isTrue();
            double recordedSeconds = (killedAt - first) / 1e9;

            SlotEvent.Outcome outcome = recording.outcome().get(60, TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOf(SlotEvent.Failed.class);
            SlotEvent.Failed failed = (SlotEvent.Failed) outcome;
            System.out.println("outcome: " + failed.failure() + ", recorded " + recordedSeconds + " s before the kill");
            assertThat(failed.failure().reason()).as("reason of %s", failed.failure()).isEqualTo(Failure.Reason.CAPTURE_DIED);
            assertThat(failed.failure().detail()).as("names the kill").contains("exit code 137 (killed by SIGKILL)");
            assertThat(events).as("the failure is the last event").last().isEqualTo(outcome);
            assertThat(events).filteredOn(SlotEvent.Stopped.class::isInstance).isEmpty();

            assertThat(failed.partialFile()).as("what was recorded before the kill is kept").isPresent();
            MediaReport report = MediaReport.of(failed.partialFile().get());
            System.out.println(report);
            assertThat(report.duration()).as("duration of the kept part")
                    .isPositive().isGreaterThanOrEqualTo(recordedSeconds - 10);
            assertThat(report.videoDuration()).as("the whole file decodes").isGreaterThanOrEqualTo(report.duration() - 1);
            assertThat(report.hasPicture()).as("picture is not black or flat").isTrue();

            assertThat(slot.state()).as("an encoder crash does not hurt the slot")
                    .isInstanceOfAny(SlotState.Idle.class, SlotState.Broken.class);
            if (slot.state() instanceof SlotState.Idle) {
                assertThat(slot.isHealthy()).as("an idle slot is healthy").isTrue();
            }
        }
        Leftovers.assertNoneLeft(work);
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void killingTheRecorderJvmLeavesNoProcessAndARecoverableRecording() throws Exception {
        Path work = temp.resolve("work");
        Path output = temp.resolve("recordings/jvm-killed");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process recorder = new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                RecordDemoMain.class.getName(), work.toString(), output.toString())
                .redirectErrorStream(true)
                .start();
        CompletableFuture<Long> firstFrame = new CompletableFuture<>();
        CompletableFuture<Void> firstPids = new CompletableFuture<>();
        // Every process the recorder reported, captured while it was alive (a handle is bound to its start time).
        Map<Long, ProcessHandle> reported = new ConcurrentHashMap<>();
        Map<Long, String> commands = new ConcurrentHashMap<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(recorder.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.startsWith("first-frame ")) {
                        firstFrame.complete(Long.parseLong(line.substring("first-frame ".length()).trim()));
                    } else if (line.startsWith("pids ")) {
                        Arrays.stream(line.substring("pids ".length()).trim().split("\\s+"))
                                .filter(pid -> !pid.isEmpty())
                                .map(Long::parseLong)
                                .forEach(pid -> ProcessHandle.of(pid).ifPresent(handle -> {
                                    if (reported.putIfAbsent(pid, handle) == null) {
                                        commands.put(pid, handle.info().commandLine().orElse("?"));
                                    }
                                }));
                        firstPids.complete(null);
                        continue;
                    }
                    System.out.println("[recorder] " + line);
                }
            } catch (IOException e) {
                System.out.println("[recorder] output ended: " + e);
            }
            firstFrame.completeExceptionally(new IllegalStateException("the recorder ended before its first frame"));
        }, "recorder-output");
        reader.setDaemon(true);
        reader.start();
        try {
            long first = firstFrame.get(90, TimeUnit.SECONDS);
            firstPids.get(10, TimeUnit.SECONDS);
            Thread.sleep(Math.max(0, first + 12_000 - System.currentTimeMillis()));
            long killedAt = System.currentTimeMillis();
            recorder.destroyForcibly();
            assertThat(recorder.waitFor(10, TimeUnit.SECONDS)).as("the recorder JVM is dead").isTrue();
            double recordedSeconds = (killedAt - first) / 1000.0;

            assertThat(commands.values()).as("the recorder's processes, as reported")
                    .anyMatch(c -> c.contains("Xvfb"))
                    .anyMatch(c -> c.contains("pulseaudio"))
                    .anyMatch(c -> c.contains("chromedriver"))
                    .anyMatch(c -> c.contains("chromium"))
                    .anyMatch(c -> c.contains("ffmpeg"));
            await("the recorder's processes gone with it").atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(100))
                    .untilAsserted(() -> assertThat(reported.keySet().stream().filter(pid -> !gone(reported.get(pid)))
                            .sorted().map(pid -> pid + " " + commands.get(pid)).toList())
                            .as("processes that outlived the recorder JVM by 10 s").isEmpty());

            SegmentedRecording left = SegmentedRecording.open(output);
            System.out.println("segments left: " + left.completedSegments().size() + ", playlist "
                    + (Files.exists(left.segmentDirectory().resolve("index.m3u8")) ? "present" : "missing"));
            Path recovered = left.assemble(FfmpegBinary.bundled(), "recovered");
            MediaReport report = MediaReport.of(recovered);
            System.out.println(report + ", recorded " + recordedSeconds + " s before the kill");
            assertThat(report.duration()).as("duration of the recovered recording")
                    .isPositive().isGreaterThanOrEqualTo(recordedSeconds - 10);
            assertThat(report.videoDuration()).as("the whole file decodes").isGreaterThanOrEqualTo(report.duration() - 1);
            assertThat(report.hasPicture()).as("picture is not black or flat").isTrue();
        } finally {
            recorder.destroyForcibly();
            reported.values().stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** Dead, or a zombie: nothing reaps orphans in some containers, but a zombie holds nothing. */
    private static boolean gone(ProcessHandle process) {
        if (!process.isAlive()) {
            return true;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }
}
