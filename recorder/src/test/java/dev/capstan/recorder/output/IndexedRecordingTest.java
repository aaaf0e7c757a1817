package dev.capstan.recorder.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.capstan.recorder.browser.Browser;
import dev.capstan.recorder.capture.FfmpegBinary;
import dev.capstan.recorder.process.ChildProcess;
import dev.capstan.storage.media.FragmentedMp4;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * A 60 s recording's segments joined by {@link FragmentedMp4} (header + bodies, as the archive uploads them) play
 * in full with the right duration and seek, in FFmpeg and in Chromium, opened over HTTP with one request. The same
 * segments plainly concatenated (init + segments) are measured next to them, to show what the header is for: FFmpeg
 * (and so Chromium) must then read every segment's boxes, one range request each, before it knows the duration.
 */
@Tag("media")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IndexedRecordingTest {

    private static final int SECONDS = 60;
    private static final int FRAMES = SECONDS * 30;

    private Path ffmpeg;
    private SegmentedRecording recording;
    private Path indexed;
    private Path plain;
    private RangeServer server;

    @BeforeAll
    void record(@TempDir Path directory) throws Exception {
        ffmpeg = FfmpegBinary.bundled();
        recording = SyntheticRecording.make(directory.resolve("rec"), SECONDS);
        List<Path> segments = recording.completedSegments();
        assertThat(segments).hasSize(SECONDS / 2);
        indexed = directory.resolve("indexed.mp4");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(indexed))) {
            FragmentedMp4.compose(recording.initSegment(), segments, out);
        }
        plain = SyntheticRecording.concatenated(recording, directory.resolve("plain.mp4"));
        server = RangeServer.start(Map.of("/indexed.mp4", indexed, "/plain.mp4", plain));
    }

    @AfterAll
    void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void ffmpegReadsTheDurationDecodesEveryFrameAndSeeks() throws Exception {
        List<String> errors = decodeErrors(indexed);
        assertThat(errors).as("ffmpeg errors decoding the composed file").isEmpty();

        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(indexed.toFile())) {
            grabber.start();
            // 60 s of sound; the picture starts 21 ms late (FFmpeg's empty edit) and ends as late.
            assertThat(grabber.getLengthInTime() / 1e6).isCloseTo(SECONDS, within(0.05));
            assertThat(grabber.getAudioChannels()).isEqualTo(2);
            assertThat(grabber.getSampleRate()).isEqualTo(48_000);
            long images = 0;
            long samples = 0;
            long lastImage = 0;
            Frame frame;
            while ((frame = grabber.grabFrame(true, true, true, false, true)) != null) {
                if (frame.image != null) {
                    images++;
                    lastImage = frame.timestamp;
                }
                if (frame.samples != null) {
                    // One buffer per channel (planar) or one interleaved buffer for all channels.
                    int perBuffer = frame.samples.length == 1 ? frame.audioChannels : 1;
                    samples += frame.samples[0].limit() / perBuffer;
                }
            }
            assertThat(images).isEqualTo(FRAMES);
            assertThat(lastImage / 1e6).isCloseTo(SECONDS - 1.0 / 30, within(0.1));
            assertThat(samples / 48_000.0).as("seconds of sound").isCloseTo(SECONDS, within(0.2));

            for (double target : new double[] {45, 30, 2.5}) {
                grabber.setVideoTimestamp((long) (target * 1e6));
                Frame landed = grabber.grabImage();
                assertThat(landed).as("a picture at %s s", target).isNotNull();
                assertThat(landed.timestamp / 1e6).as("where a seek to %s s lands", target).isCloseTo(target, within(0.1));
            }
        }
    }

    /**
     * Over HTTP, as a browser or ffprobe reads an object store: the composed file opens with one request and a seek
     * reads only from the fragments it needs. 30 s is exactly where a segment starts (its picture starts 21 ms
     * later), the case an index of decode times gets wrong. The plain concatenation's number of requests is printed.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void ffmpegOpensTheComposedFileWithOneRequestAndSeeksWithoutReadingTheStart() throws Exception {
        List<Path> segments = recording.completedSegments();
        long[] bodyStarts = new long[segments.size()];
        long offset = FragmentedMp4.header(recording.initSegment(), segments).length;
        for (int i = 0; i < segments.size(); i++) {
            bodyStarts[i] = offset;
            offset += FragmentedMp4.bodyLength(segments.get(i));
        }
        for (double target : new double[] {45, 30}) {
            server.clearLog();
            try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(server.url("/indexed.mp4"))) {
                grabber.start();
                List<Long> opening = server.requests("/indexed.mp4");
                assertThat(grabber.getLengthInTime() / 1e6).isCloseTo(SECONDS, within(0.05));
                assertThat(opening).as("requests to open the composed file").hasSize(1);

                grabber.setVideoTimestamp((long) (target * 1e6));
                Frame landed = grabber.grabImage();
                List<Long> all = server.requests("/indexed.mp4");
                List<Long> seeking = all.subList(opening.size(), all.size());
                System.out.println("FFmpeg over HTTP, header + bodies, seek to " + target + " s: opened with "
                        + opening + ", seek read from " + seeking);
                assertThat(landed.timestamp / 1e6).isCloseTo(target, within(0.1));
                // The segment before the target is the earliest one the sound may need; nothing before it is read.
                int segment = (int) (target / 2);
                assertThat(seeking).as("offsets read by the seek").isNotEmpty()
                        .allSatisfy(start -> assertThat(start).isGreaterThanOrEqualTo(bodyStarts[segment - 1]));
            }
        }
        server.clearLog();
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(server.url("/plain.mp4"))) {
            grabber.start();
            System.out.println("FFmpeg over HTTP, plain init + segments: " + server.requests("/plain.mp4").size()
                    + " requests to open (" + segments.size() + " segments), duration "
                    + grabber.getLengthInTime() / 1e6 + " s");
        }
    }

    /**
     * One browser for both files: the composed file knows its duration once its first request is answered, plays,
     * seeks to 45 s and to 30 s (a segment's start), and plays to its end. The plain concatenation's figures are
     * printed for comparison, not asserted.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void chromiumKnowsTheDurationPlaysAndSeeks(@TempDir Path profile) throws Exception {
        ChromeDriverService service = Browser.startDriverService(Path.of("/usr/bin/chromedriver"), Map.of(), Optional.empty());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(new File("/usr/lib/chromium/chromium"));
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--mute-audio",
                "--autoplay-policy=no-user-gesture-required", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--user-data-dir=" + profile);
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            service.stop();
            throw e;
        }
        try {
            driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(25));
            driver.get(server.url("/page.html"));
            server.clearLog();

            Map<?, ?> composed = play(driver, server.url("/indexed.mp4"), "/indexed.mp4");
            System.out.println("Chromium, header + bodies: " + composed);
            Map<?, ?> concatenated = play(driver, server.url("/plain.mp4"), "/plain.mp4");
            System.out.println("Chromium, plain init + segments: " + concatenated);

            assertThat(composed.get("error")).as("media error").isNull();
            assertThat(number(composed, "requestsAtMetadata")).as("requests before loadedmetadata").isLessThanOrEqualTo(2);
            assertThat(Double.parseDouble(String.valueOf(composed.get("duration")))).isCloseTo(SECONDS, within(0.05));
            assertThat(composed.get("played")).as("currentTime advanced while playing").isEqualTo(true);
            assertThat(composed.get("seeked45")).as("seeked to 45 s with data there").isEqualTo(true);
            assertThat(number(composed, "time45")).isCloseTo(45, within(0.1));
            assertThat(number(composed, "readyState45")).isGreaterThanOrEqualTo(2);
            assertThat(composed.get("seeked30")).as("seeked to 30 s (a segment's start) with data there").isEqualTo(true);
            assertThat(number(composed, "time30")).isCloseTo(30, within(0.1));
            assertThat(composed.get("ended")).as("played to the end").isEqualTo(true);
        } finally {
            try {
                driver.quit();
            } finally {
                service.stop();
            }
        }
    }

    private static double number(Map<?, ?> result, String key) {
        return ((Number) result.get(key)).doubleValue();
    }

    /**
     * Plays a file in a fresh video element: waits for metadata (and asks the server how many requests that took),
     * plays until currentTime passes 0.5 s, seeks to 45 s and then to 30 s, waiting each time for seeked with data
     * there, and finally plays the last 1.5 s at four times the speed until ended. Each step gives up after 4 s.
     */
    private static Map<?, ?> play(ChromeDriver driver, String url, String path) {
        return (Map<?, ?>) driver.executeAsyncScript("""
                const url = arguments[0], path = arguments[1], done = arguments[arguments.length - 1];
                const r = {};
                const v = document.createElement('video');
                v.muted = true;
                v.preload = 'auto';
                const until = (test, ms) => new Promise(resolve => {
                    const t0 = performance.now();
                    (function poll() {
                        if (test()) resolve(true);
                        else if (performance.now() - t0 > ms) resolve(false);
                        else setTimeout(poll, 20);
                    })();
                });
                const seek = async (to, key) => {
                    let seeked = false;
                    const onSeeked = () => seeked = true;
                    v.addEventListener('seeked', onSeeked);
                    const t0 = performance.now();
                    v.currentTime = to;
                    r['seeked' + key] = await until(() => (seeked && v.readyState >= 2) || v.error, 4000) && !v.error;
                    r['seekMillis' + key] = Math.round(performance.now() - t0);
                    r['time' + key] = v.currentTime;
                    r['readyState' + key] = v.readyState;
                    v.removeEventListener('seeked', onSeeked);
                };
                const finish = () => {
                    r.error = v.error ? v.error.code + ' ' + v.error.message : null;
                    v.pause();
                    v.removeAttribute('src');
                    v.load();
                    v.remove();
                    done(r);
                };
                (async () => {
                    document.body.appendChild(v);
                    const t0 = performance.now();
                    v.src = url;
                    r.metadata = await until(() => v.readyState >= 1 || v.error, 4000);
                    r.metadataMillis = Math.round(performance.now() - t0);
                    r.requestsAtMetadata = Number(await (await fetch('/requests?' + path)).text());
                    r.duration = String(v.duration);
                    try { await v.play(); } catch (e) { r.playError = String(e); }
                    r.played = await until(() => v.currentTime > 0.5 || v.error, 4000) && !v.error;
                    v.pause();
                    await seek(45, '45');
                    await seek(30, '30');
                    let ended = false;
                    v.addEventListener('ended', () => ended = true);
                    v.currentTime = Math.max(0, v.duration - 1.5);
                    v.playbackRate = 4;
                    try { await v.play(); } catch (e) { r.playError = String(e); }
                    r.ended = await until(() => ended || v.error, 4000) && !v.error;
                    r.endedAt = v.currentTime;
                    r.requests = Number(await (await fetch('/requests?' + path)).text());
                    finish();
                })().catch(e => { r.exception = String(e); finish(); });
                """, url, path);
    }

    private List<String> decodeErrors(Path file) throws Exception {
        List<String> errors = Collections.synchronizedList(new ArrayList<>());
        ChildProcess decode = ChildProcess.start(ChildProcess.Spec.of("ffmpeg-decode", List.of(
                        ffmpeg.toString(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "warning",
                        "-xerror", "-i", file.toString(), "-map", "0", "-f", "null", "-"))
                .onStderr(errors::add));
        int exit = decode.exit().get(100, TimeUnit.SECONDS);
        decode.drainOutput(Duration.ofSeconds(2));
        if (exit != 0) {
            errors.add(0, "exit " + exit);
        }
        return errors;
    }

    /** Serves files with HTTP range requests (as browsers fetch media), plus an empty page on the same origin. */
    static final class RangeServer implements AutoCloseable {
        private static final Pattern RANGE = Pattern.compile("bytes=(\\d*)-(\\d*)");

        private final HttpServer server;
        /** Path and first byte of every media request, in the order they arrived. */
        private final List<Map.Entry<String, Long>> log = Collections.synchronizedList(new ArrayList<>());
        private final ExecutorService executor = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "range-server");
            thread.setDaemon(true);
            return thread;
        });

        private RangeServer(HttpServer server) {
            this.server = server;
        }

        static RangeServer start(Map<String, Path> files) throws IOException {
            HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            RangeServer server = new RangeServer(http);
            http.createContext("/page.html", exchange -> {
                byte[] page = "<!doctype html><html><body></body></html>".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/html");
                exchange.sendResponseHeaders(200, page.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(page);
                }
            });
            http.createContext("/requests", exchange -> {
                byte[] count = Integer.toString(server.requests(exchange.getRequestURI().getQuery()).size())
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, count.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(count);
                }
            });
            files.forEach((path, file) -> http.createContext(path, exchange -> server.serve(exchange, path, file)));
            http.setExecutor(server.executor);
            http.start();
            return server;
        }

        String url(String path) {
            return "http://127.0.0.1:" + server.getAddress().getPort() + path;
        }

        /** The first byte of each request for this path since the log was cleared. */
        List<Long> requests(String path) {
            synchronized (log) {
                return log.stream().filter(entry -> entry.getKey().equals(path)).map(Map.Entry::getValue).toList();
            }
        }

        void clearLog() {
            log.clear();
        }

        private void serve(HttpExchange exchange, String path, Path file) throws IOException {
            try (exchange; RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
                long size = in.length();
                long first = 0;
                long last = size - 1;
                String range = exchange.getRequestHeaders().getFirst("Range");
                exchange.getResponseHeaders().set("Content-Type", "video/mp4");
                exchange.getResponseHeaders().set("Accept-Ranges", "bytes");
                boolean head = exchange.getRequestMethod().equals("HEAD");
                Matcher matcher = range == null ? null : RANGE.matcher(range.trim());
                if (matcher != null && matcher.matches() && !(matcher.group(1).isEmpty() && matcher.group(2).isEmpty())) {
                    if (matcher.group(1).isEmpty()) {
                        first = Math.max(0, size - Long.parseLong(matcher.group(2)));
                    } else {
                        first = Long.parseLong(matcher.group(1));
                        if (!matcher.group(2).isEmpty()) {
                            last = Math.min(last, Long.parseLong(matcher.group(2)));
                        }
                    }
                    if (first > last) {
                        exchange.getResponseHeaders().set("Content-Range", "bytes */" + size);
                        exchange.sendResponseHeaders(416, -1);
                        return;
                    }
                    exchange.getResponseHeaders().set("Content-Range", "bytes " + first + "-" + last + "/" + size);
                    log.add(Map.entry(path, first));
                    exchange.sendResponseHeaders(206, head ? -1 : last - first + 1);
                } else {
                    log.add(Map.entry(path, 0L));
                    exchange.sendResponseHeaders(200, head ? -1 : size);
                }
                if (head) {
                    return;
                }
                byte[] buffer = new byte[64 * 1024];
                long remaining = last - first + 1;
                in.seek(first);
                OutputStream out = exchange.getResponseBody();
                try {
                    while (remaining > 0) {
                        int read = in.read(buffer, 0, (int) Math.min(buffer.length, remaining));
                        if (read < 0) {
                            break;
                        }
                        out.write(buffer, 0, read);
                        remaining -= read;
                    }
                } catch (IOException e) {
                    // The browser cancels media requests it no longer needs.
                }
            }
        }

        @Override
        public void close() {
            server.stop(0);
            executor.shutdownNow();
        }
    }
}
