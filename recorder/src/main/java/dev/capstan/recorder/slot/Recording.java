package dev.capstan.recorder.slot;

import dev.capstan.recorder.browser.Browser;
import dev.capstan.recorder.browser.NavigationException;
import dev.capstan.recorder.browser.Participant;
import dev.capstan.recorder.browser.RoomState;
import dev.capstan.recorder.capture.Capture;
import dev.capstan.recorder.capture.CaptureCommand;
import dev.capstan.recorder.capture.CaptureProgress;
import dev.capstan.recorder.capture.FfmpegBinary;
import dev.capstan.recorder.capture.LiveTap;
import dev.capstan.recorder.capture.PresetChoice;
import dev.capstan.recorder.capture.VideoProfile;
import dev.capstan.recorder.live.LiveOutput;
import dev.capstan.recorder.live.LiveStreams;
import dev.capstan.recorder.live.StreamStats;
import dev.capstan.recorder.live.StreamUrl;
import dev.capstan.recorder.output.SegmentedRecording;
import dev.capstan.recorder.process.MissingExecutableException;
import dev.capstan.recorder.tracks.SpeakerTrackCapture;
import dev.capstan.storage.archive.RecordingId;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.openqa.selenium.JavascriptException;
import org.openqa.selenium.WebDriverException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One recording on a slot, from request to finished file. It runs on its own thread:
 * check the output, claim the warm slot, join the page, capture, then assemble the MP4.
 */
public final class Recording {

    private static final Logger log = LoggerFactory.getLogger(Recording.class);
    /**
     * After a stop, the encoder drains as long as it makes progress; one that makes none for this long is killed.
     * Its backlog is small (about a second), so a healthy encoder, however starved, never waits this long.
     */
    private static final Duration DRAIN_STALL = Duration.ofSeconds(5);
    private static final Duration HEALTH_CHECK_INTERVAL = Duration.ofSeconds(1);
    private static final long PROGRESS_EVENT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** How soon a pause, resume or stop request is noticed. */
    private static final long CONTROL_POLL_MILLIS = 100;
    /** The longest a pause or resume may take: the encoder's drain, or the new encoder's first frame. */
    private static final Duration CONTROL_ANSWER = Duration.ofSeconds(30);

    private final Slot slot;
    private final RecordingRequest request;
    private final Consumer<SlotEvent> listener;
    private final CompletableFuture<SlotEvent.Outcome> outcome = new CompletableFuture<>();
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final long requestedAt = System.nanoTime();
    private volatile CaptureProgress progress = CaptureProgress.NONE;
    private volatile Instant stopAskedAt;
    private volatile long lastProgressEvent;
    private volatile Capture capture;
    private volatile LiveStreams live;
    /** Pause and resume requests, obeyed by the recording's own thread between its checks. */
    private final BlockingQueue<Control> controls = new LinkedBlockingQueue<>();
    /** When the current pause began; null while capturing. Written by the recording's thread only. */
    private volatile Instant pausedAt;
    /** The profile the encoders use, once the capture has started. */
    private volatile VideoProfile encoding;
    /** How long the current pause may last. Written by the recording's thread only. */
    private Duration pauseLimit = Duration.ZERO;
    private boolean released;
    /** Progress is reported only after the first frame, so listeners see events in life-cycle order. */
    private volatile boolean firstFrameAnnounced;

    Recording(Slot slot, RecordingRequest request, Consumer<SlotEvent> listener) {
        this.slot = slot;
        this.request = request;
        this.listener = listener;
    }

    void start() {
        Thread thread = new Thread(this::run, "recording-" + request.id());
        thread.setDaemon(true);
        thread.start();
    }

    public RecordingId id() {
        return request.id();
    }

    public RecordingRequest request() {
        return request;
    }

    /** The encoder's latest figures. */
    public CaptureProgress progress() {
        return progress;
    }

    /** The encoder process, while it runs. */
    public Optional<ProcessHandle> captureProcess() {
        Capture running = capture;
        return running == null ? Optional.empty() : ProcessHandle.of(running.pid()).filter(ProcessHandle::isAlive);
    }

    /**
     * The picture's encoding, once the capture has started: the slot's profile, with x264's fastest preset when the
     * host was short of CPU at the start (see {@link PresetChoice}).
     */
    public Optional<VideoProfile> videoProfile() {
        return Optional.ofNullable(encoding);
    }

    /** Which slot records it. */
    public String slotName() {
        return slot.name();
    }

    /**
     * Streams to one more destination while recording.
     *
     * @throws IllegalStateException when the recording was started without live output, is not capturing (yet or
     *                               any more), or feeds as many destinations as allowed
     */
    public StreamStats addStream(StreamUrl url) {
        return liveStreams().add(url);
    }

    /** Stops streaming to one destination; false if it has no such destination. */
    public boolean removeStream(String id) {
        LiveStreams streams = live;
        return streams != null && streams.remove(id);
    }

    /** The live destinations and their figures; empty without live output. */
    public List<StreamStats> streams() {
        LiveStreams streams = live;
        return streams == null ? List.of() : streams.stats();
    }

    /**
     * Pauses the recording: the encoder stops grabbing at once and writes out what it grabbed before; the browser
     * stays in the meeting and the slot stays held, so {@link #resume} is quick. Returns once the encoder has
     * finished (about a second). The file and its segments hold nothing from the pause.
     *
     * @param longest the recording ends ({@link StopCause#PAUSED_TOO_LONG}) if it is not resumed within this
     * @throws PauseRefusedException when the recording has no file of its own to pause, streams live, keeps
     *                               speaker tracks, is paused already or is not capturing
     */
    public SlotEvent.Paused pause(Duration longest) throws PauseRefusedException {
        if (longest.isNegative() || longest.isZero()) {
            throw new IllegalArgumentException("a pause may last a positive time, not " + longest);
        }
        return ask(new Control.Pause(longest, new CompletableFuture<>()));
    }

    /**
     * Resumes a paused recording: a new encoder continues the recording's segments where the pause left them.
     * Returns once it has grabbed its first frame.
     *
     * @throws PauseRefusedException when the recording is not paused
     */
    public SlotEvent.Resumed resume() throws PauseRefusedException {
        return ask(new Control.Resume(new CompletableFuture<>()));
    }

    /** When the current pause began, while the recording is paused. */
    public Optional<Instant> pausedSince() {
        return Optional.ofNullable(pausedAt);
    }

    /** A pause or resume for the recording's thread, and its answer. */
    private sealed interface Control {

        CompletableFuture<? extends SlotEvent> reply();

        record Pause(Duration longest, CompletableFuture<SlotEvent.Paused> reply) implements Control {
        }

        record Resume(CompletableFuture<SlotEvent.Resumed> reply) implements Control {
        }
    }

    private <T extends SlotEvent> T ask(Control control) throws PauseRefusedException {
        if (outcome.isDone() || stopSignal.getCount() == 0) {
            throw new PauseRefusedException(PauseRefusedException.Reason.NOT_CAPTURING, "the recording is ending");
        }
        controls.add(control);
        try {
            @SuppressWarnings("unchecked")
            T answer = (T) control.reply().get(CONTROL_ANSWER.toSeconds(), TimeUnit.SECONDS);
            return answer;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PauseRefusedException refused) {
                throw new PauseRefusedException(refused.reason(), refused.getMessage());
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the recording did not answer within " + CONTROL_ANSWER.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the recording");
        }
    }

    private LiveStreams liveStreams() {
        if (request.live().isEmpty()) {
            throw new IllegalStateException("this recording was started without live output");
        }
        LiveStreams streams = live;
        if (streams == null || outcome.isDone()) {
            throw new IllegalStateException("this recording is not capturing");
        }
        return streams;
    }

    /** Completes with the last event: {@link SlotEvent.Stopped} or {@link SlotEvent.Failed}. */
    public CompletableFuture<SlotEvent.Outcome> outcome() {
        return outcome;
    }

    /** Asks the recording to finish; the outcome (with the finished file) follows within seconds. */
    public CompletableFuture<SlotEvent.Outcome> stop() {
        synchronized (stopSignal) {
            if (stopAskedAt == null) {
                stopAskedAt = Instant.now();
            }
        }
        stopSignal.countDown();
        return outcome;
    }

    private void run() {
        Result result;
        try {
            result = record();
        } catch (RuntimeException | Error e) {
            // Whatever happens, the outcome completes: callers and the node wait on it.
            log.error("recording {} failed unexpectedly", request.id(), e);
            result = Result.failed(request.id(), Failure.Reason.CAPTURE_FAILED, e.toString());
        }
        releaseSlot(result.damage());
        finish(result.outcome());
    }

    /** How a recording ended, and what it did to the slot. */
    private record Result(SlotEvent.Outcome outcome, Optional<Failure> damage) {

        static Result failed(RecordingId id, Failure.Reason reason, String detail) {
            return new Result(new SlotEvent.Failed(id, new Failure(reason, detail)), Optional.empty());
        }
    }

    private Result record() {
        // Refused before the page is joined and the live feed opened: the display's size is fixed.
        VideoProfile display = slot.config().profile();
        if (request.size().isPresent() && !request.size().get().fitsIn(display)) {
            return Result.failed(request.id(), Failure.Reason.CAPTURE_FAILED, "the display is " + display.width()
                    + "x" + display.height() + ", smaller than the requested " + request.size().get());
        }
        SegmentedRecording output;
        try {
            output = SegmentedRecording.create(request.outputDirectory());
        } catch (IOException | RuntimeException e) {
            return Result.failed(request.id(), Failure.Reason.OUTPUT_UNWRITABLE,
                    "cannot write to " + request.outputDirectory() + " (" + e + ")");
        }
        Path ffmpeg;
        try {
            ffmpeg = FfmpegBinary.resolve(slot.config().ffmpeg());
        } catch (MissingExecutableException e) {
            return Result.failed(request.id(), Failure.Reason.CAPTURE_MISSING, e.getMessage());
        }
        Slot.Parts parts;
        try {
            parts = slot.claim(request.id());
        } catch (SlotException e) {
            // warmUp has already torn the slot down.
            return new Result(new SlotEvent.Failed(request.id(), e.failure()), Optional.empty());
        }
        try {
            request.page().join(parts.browser());
        } catch (NavigationException e) {
            Failure.Reason reason = switch (e.problem()) {
                case UNREACHABLE -> Failure.Reason.PAGE_UNREACHABLE;
                case TIMEOUT -> Failure.Reason.PAGE_TIMEOUT;
                case NOT_JOINED -> Failure.Reason.NOT_JOINED;
            };
            Optional<Failure> damage = parts.alive() ? Optional.empty()
                    : Optional.of(new Failure(Failure.Reason.SLOT_DIED, "after " + e.getMessage()));
            return new Result(new SlotEvent.Failed(request.id(), new Failure(reason, e.getMessage())), damage);
        } catch (RuntimeException e) {
            Failure failure = new Failure(Failure.Reason.BROWSER_FAILED, e.getMessage());
            return new Result(new SlotEvent.Failed(request.id(), failure), Optional.of(failure));
        }
        if (!request.media().hasVideo()) {
            hidePage(parts);
        }
        emit(new SlotEvent.Joined(request.id(), sinceRequest()));
        log.info("recording {} on {}: joined {} after {} ms", request.id(), slot.name(), request.page().address(),
                sinceRequest().toMillis());
        return capture(parts, ffmpeg, output);
    }

    /**
     * Nothing grabs the display of an audio-only recording, so the page need not be painted: hidden behind a blank
     * tab, it costs the browser its script and sound only. Should that fail, it is recorded as it is, painted.
     */
    private void hidePage(Slot.Parts parts) {
        try {
            parts.browser().coverConference();
        } catch (WebDriverException e) {
            log.warn("recording {}: the page could not be hidden, so it is still painted: {}", request.id(),
                    Browser.firstLine(e));
        }
    }

    private Result capture(Slot.Parts parts, Path ffmpeg, SegmentedRecording output) {
        SlotConfig config = slot.config();
        Optional<LiveTap> tap;
        try {
            tap = openLive(ffmpeg);
        } catch (IOException e) {
            return Result.failed(request.id(), Failure.Reason.CAPTURE_FAILED, "the live feed could not open: " + e);
        }
        encoding = PresetChoice.forHost(config.profile());
        CaptureRuns runs = new CaptureRuns(request, parts, ffmpeg, output, encoding, this::onProgress);
        Capture capture;
        try {
            capture = runs.start(config.segmentLength(), config.audioDelay(), tap);
            this.capture = capture;
        } catch (IOException e) {
            closeLive();
            return Result.failed(request.id(), Failure.Reason.CAPTURE_FAILED, e.getMessage());
        }
        Optional<String> noFrame = awaitFirstFrame(capture);
        if (noFrame.isPresent()) {
            closeLive();
            return Result.failed(request.id(), Failure.Reason.CAPTURE_FAILED, noFrame.get());
        }
        emit(new SlotEvent.FirstFrameWritten(request.id(), sinceRequest()));
        firstFrameAnnounced = true;
        log.info("recording {} on {}: first frame after {} ms", request.id(), slot.name(), sinceRequest().toMillis());
        Optional<SpeakerTrackCapture> tracks = request.speakerTracks()
                ? Optional.of(SpeakerTrackCapture.start(request.id().value(), request.page(), parts.browser(),
                        request.outputDirectory(), slot.config().audioDelay(),
                        status -> emit(new SlotEvent.TracksChanged(request.id(), status))))
                : Optional.empty();

        End end = awaitEnd(runs, parts, tracks);
        if (!end.slotHurt()) {
            // While the page is still there: each track's last second.
            tracks.ifPresent(SpeakerTrackCapture::finishPage);
        }
        Instant decidedAt = Instant.now();
        long drainStart = System.nanoTime();
        Capture last = runs.current();
        Capture.Ending ending = last.stop(DRAIN_STALL);
        runs.finish();
        failPendingControls();
        CaptureSpan.EncoderEnd encoderEnd = CaptureSpan.EncoderEnd.of(ending);
        log.info("recording {}: encoder {} {} ms after the stop", request.id(), encoderEnd.wireName(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - drainStart));
        // The slot is free once the picture is no longer needed; assembling the file does not hold it.
        releaseSlot(end.damage());
        closeLive();
        Optional<Path> file = assemble(ffmpeg, output);
        // Dated once the capture is over: its estimate of the first grab improves with every report.
        Instant on = capture.firstFrameAt().orElse(decidedAt);
        Instant lastOn = last.firstFrameAt().orElse(on);
        CaptureSpan span = runs.span(on, latest(lastOn, spanEnd(lastOn, ending, decidedAt)), encoderEnd);
        tracks.ifPresent(speakers -> speakers.finish(ffmpeg, on, span.end()));
        if (end.failure().isPresent()) {
            return new Result(new SlotEvent.Failed(request.id(), end.failure().get(), file, Optional.of(span)),
                    end.damage());
        }
        if (!ending.orderly()) {
            Failure died = new Failure(Failure.Reason.CAPTURE_DIED,
                    describeExit(ending.exitCode()) + "; last message: " + ending.lastError());
            return new Result(new SlotEvent.Failed(request.id(), died, file, Optional.of(span)), Optional.empty());
        }
        return new Result(new SlotEvent.Stopped(request.id(), file, runs.continued(ending.last()), end.cause(), span),
                Optional.empty());
    }

    /** Waits for the encoder's first frame; says why there is none, stopping the encoder then. */
    private Optional<String> awaitFirstFrame(Capture started) {
        Duration timeout = slot.config().firstFrameTimeout();
        try {
            started.firstFrame().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return Optional.empty();
        } catch (ExecutionException | TimeoutException e) {
            Capture.Ending ending = started.stop(Duration.ofSeconds(2));
            return Optional.of("no " + (request.media().hasVideo() ? "frame" : "sound") + " within "
                    + timeout.toSeconds() + " s: " + ending.lastError());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            started.stop(Duration.ofSeconds(2));
            return Optional.of("interrupted");
        }
    }

    /**
     * Obeys a pause or resume on the recording's thread; the answer goes to the caller. A resume whose encoder does
     * not start ends the recording (what it recorded before is kept).
     */
    private Optional<End> obey(Control control, CaptureRuns runs) {
        try {
            if (control instanceof Control.Pause pause) {
                refusePause(runs);
                Instant at = Instant.now();
                Duration position = runs.pause(at, DRAIN_STALL);
                pausedAt = at;
                pauseLimit = pause.longest();
                SlotEvent.Paused paused = new SlotEvent.Paused(request.id(), at, position);
                log.info("recording {}: paused at {} of media (ends if not resumed within {})", request.id(),
                        position, pause.longest());
                emit(paused);
                pause.reply().complete(paused);
            } else if (control instanceof Control.Resume resume) {
                if (!runs.paused()) {
                    throw new PauseRefusedException(PauseRefusedException.Reason.NOT_PAUSED);
                }
                Capture resumed = runs.resume(slot.config().segmentLength(), slot.config().audioDelay());
                capture = resumed;
                Optional<String> noFrame = awaitFirstFrame(resumed);
                if (noFrame.isPresent()) {
                    resume.reply().completeExceptionally(new PauseRefusedException(
                            PauseRefusedException.Reason.NOT_CAPTURING, "the capture did not resume: " + noFrame.get()));
                    return Optional.of(End.failed(new Failure(Failure.Reason.CAPTURE_FAILED,
                            "the capture did not resume: " + noFrame.get())));
                }
                Instant on = resumed.firstFrameAt().orElseGet(Instant::now);
                Duration pausedFor = runs.resumed(on);
                pausedAt = null;
                SlotEvent.Resumed event = new SlotEvent.Resumed(request.id(), on, runs.position(), pausedFor);
                log.info("recording {}: resumed at {} of media after a pause of {} ms", request.id(),
                        runs.position(), pausedFor.toMillis());
                emit(event);
                resume.reply().complete(event);
            }
        } catch (PauseRefusedException e) {
            control.reply().completeExceptionally(e);
        } catch (IOException e) {
            control.reply().completeExceptionally(e);
            return Optional.of(End.failed(new Failure(Failure.Reason.CAPTURE_FAILED,
                    "pausing or resuming failed: " + e.getMessage())));
        }
        return Optional.empty();
    }

    private void refusePause(CaptureRuns runs) throws PauseRefusedException {
        if (!request.recordsFile()) {
            throw new PauseRefusedException(PauseRefusedException.Reason.NO_FILE);
        }
        if (request.live().isPresent()) {
            throw new PauseRefusedException(PauseRefusedException.Reason.STREAMING);
        }
        if (request.speakerTracks()) {
            throw new PauseRefusedException(PauseRefusedException.Reason.SPEAKER_TRACKS);
        }
        if (runs.paused()) {
            throw new PauseRefusedException(PauseRefusedException.Reason.ALREADY_PAUSED);
        }
        if (runs.current().ended().isDone()) {
            throw new PauseRefusedException(PauseRefusedException.Reason.NOT_CAPTURING,
                    "the recording's capture has ended");
        }
    }

    /** Requests that came too late for the recording to obey are refused. */
    private void failPendingControls() {
        Control control;
        while ((control = controls.poll()) != null) {
            control.reply().completeExceptionally(new PauseRefusedException(
                    PauseRefusedException.Reason.NOT_CAPTURING, "the recording has ended"));
        }
    }

    /** Opens the live feed and starts the first destinations; they connect once the encoder's stream flows. */
    private Optional<LiveTap> openLive(Path ffmpeg) throws IOException {
        if (request.live().isEmpty()) {
            return Optional.empty();
        }
        LiveOutput wanted = request.live().get();
        LiveStreams streams = LiveStreams.open(request.id().value(), ffmpeg, wanted.settings(),
                stats -> emit(new SlotEvent.StreamChanged(request.id(), stats)));
        live = streams;
        wanted.destinations().forEach(streams::add);
        return Optional.of(new LiveTap(streams.encoderUrl(), wanted.settings().maxBitrateKbps(),
                wanted.settings().bufferKbits(), wanted.withFile()));
    }

    /** After the encoder stopped: destinations send what they have and close their streams. */
    private void closeLive() {
        LiveStreams streams = live;
        if (streams != null) {
            streams.close();
        }
    }

    /**
     * Why the capture is to end: a clean stop with its cause, or a failure, which may also mean the slot is hurt.
     */
    private record End(StopCause cause, Optional<Failure> failure, boolean slotHurt) {

        static End stopped(StopCause cause) {
            return new End(cause, Optional.empty(), false);
        }

        /** The meeting went wrong; the slot is fine. */
        static End failed(Failure failure) {
            return new End(StopCause.REQUESTED, Optional.of(failure), false);
        }

        /** The slot itself went wrong: it is rebuilt before the next recording. */
        static End hurt(Failure failure) {
            return new End(StopCause.REQUESTED, Optional.of(failure), true);
        }

        Optional<Failure> damage() {
            return slotHurt ? failure : Optional.empty();
        }
    }

    /**
     * When the media should end: the moment the stop was asked, when the capture ended by itself (maximum
     * duration, a crash), or when the recording decided to end (the meeting is over, the slot broke).
     */
    private Instant spanEnd(Instant on, Capture.Ending ending, Instant decidedAt) {
        Instant asked = stopAskedAt;
        if (asked != null && asked.isBefore(decidedAt)) {
            return asked;
        }
        if (!ending.at().isBefore(decidedAt)) {
            return decidedAt;
        }
        // At its maximum duration FFmpeg stops at a media time, not a moment: the media's own clock says when.
        return ending.reachedEnd() && !ending.requested() ? on.plus(ending.last().recorded()) : ending.at();
    }

    private static Instant latest(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /**
     * A crash or a kill leaves no message of its own (the last line is then some older, unrelated warning), so
     * the exit codes Java reports for the usual fatal signals (128 + signal) are named.
     */
    private static String describeExit(int code) {
        String signal = switch (code) {
            case 132 -> "SIGILL";
            case 134 -> "SIGABRT";
            case 135 -> "SIGBUS";
            case 136 -> "SIGFPE";
            case 137 -> "SIGKILL";
            case 139 -> "SIGSEGV";
            default -> null;
        };
        return signal == null ? "exit code " + code : "exit code " + code + " (killed by " + signal + ")";
    }

    private void releaseSlot(Optional<Failure> damage) {
        if (!released) {
            released = true;
            slot.release(this, damage);
        }
    }

    /**
     * Waits for a stop request or the end of the capture, obeying pauses and resumes and watching the slot's parts
     * meanwhile and, when the request asks for it, the meeting (paused or not).
     */
    private End awaitEnd(CaptureRuns runs, Slot.Parts parts, Optional<SpeakerTrackCapture> tracks) {
        Optional<MeetingWatch> meeting = request.autoStop().map(rules -> new MeetingWatch(rules, parts.browser()));
        long nextCheck = System.nanoTime() + HEALTH_CHECK_INTERVAL.toNanos();
        try {
            while (stopSignal.getCount() > 0) {
                Control control = controls.poll(CONTROL_POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (control != null) {
                    Optional<End> failed = obey(control, runs);
                    if (failed.isPresent()) {
                        return failed.get();
                    }
                }
                if (System.nanoTime() - nextCheck < 0) {
                    continue;
                }
                nextCheck = System.nanoTime() + HEALTH_CHECK_INTERVAL.toNanos();
                Capture current = runs.current();
                tracks.ifPresent(speakers -> speakers.takeIfDue(current.firstFrameAt().orElseGet(Instant::now)));
                if (!runs.paused() && current.ended().isDone()) {
                    // Only a capture that reaches its maximum duration ends by itself in order.
                    return End.stopped(StopCause.MAX_DURATION);
                }
                if (runs.failure().isPresent()) {
                    return End.failed(new Failure(Failure.Reason.CAPTURE_FAILED,
                            "the media after a pause cannot join the recording: " + runs.failure().get()));
                }
                Optional<Instant> since = runs.pausedAt();
                if (since.isPresent() && Duration.between(since.get(), Instant.now()).compareTo(pauseLimit) > 0) {
                    log.info("recording {}: paused for longer than {}, ending it", request.id(), pauseLimit);
                    return End.stopped(StopCause.PAUSED_TOO_LONG);
                }
                if (!parts.alive()) {
                    // A dead browser or display would otherwise be recorded as a frozen or black picture.
                    return End.hurt(new Failure(Failure.Reason.SLOT_DIED,
                            "display " + (parts.display().isAlive() ? "up" : "gone")
                                    + ", audio " + (parts.sink().isAlive() ? "up" : "gone")
                                    + ", browser " + (parts.browser().isResponsive() ? "answering" : "not answering")));
                }
                LiveStreams streams = live;
                if (!request.recordsFile() && streams != null && streams.allGaveUp()) {
                    // A live stream that keeps no file has nothing left to do.
                    return End.failed(new Failure(Failure.Reason.STREAM_LOST, streams.stats().stream()
                            .map(stream -> stream.url() + ": " + stream.lastError().orElse("gave up"))
                            .reduce((a, b) -> a + "; " + b).orElse("no destination")));
                }
                if (meeting.isPresent()) {
                    Optional<End> over = meeting.get().lookIfDue();
                    if (over.isPresent()) {
                        return over.get();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return End.stopped(StopCause.REQUESTED);
    }

    /** Looks into the meeting every so often (Jibri's call-status checks) and says when the recording is over. */
    private final class MeetingWatch {

        private final AutoStop rules;
        private final Browser browser;
        private final RoomWatch watch;
        private final Map<String, Participant> everyoneSeen = new LinkedHashMap<>();
        /** The first look comes at once, so that who is there is known early. */
        private long nextLook = System.nanoTime();
        private boolean unreadableReported;

        MeetingWatch(AutoStop rules, Browser browser) {
            this.rules = rules;
            this.browser = browser;
            this.watch = new RoomWatch(rules, monotonicNow());
        }

        Optional<End> lookIfDue() {
            if (System.nanoTime() - nextLook < 0) {
                return Optional.empty();
            }
            nextLook = System.nanoTime() + rules.checkInterval().toNanos();
            Optional<RoomState> room;
            try {
                // Bounded by the browser's script timeout, so a hung page holds the health checks up only so long.
                room = request.page().probe(browser);
            } catch (JavascriptException e) {
                // The page is between documents (jitsi-meet reloads itself to recover): look again next time.
                log.debug("recording {}: the meeting page could not be read now: {}", request.id(),
                        Browser.firstLine(e));
                return Optional.empty();
            } catch (WebDriverException e) {
                // Jibri's ChromeHung: a browser that does not answer cannot be trusted with the next meeting.
                return Optional.of(End.hurt(new Failure(Failure.Reason.BROWSER_FAILED,
                        "the meeting page did not answer: " + Browser.firstLine(e))));
            }
            if (room.isEmpty()) {
                if (!unreadableReported) {
                    unreadableReported = true;
                    log.warn("recording {}: the meeting cannot be read, so it will not end by itself", request.id());
                }
                return Optional.empty();
            }
            remember(room.get());
            RoomWatch.Verdict verdict = watch.observe(room.get(), monotonicNow());
            if (verdict instanceof RoomWatch.Stop) {
                RoomWatch.Stop stop = (RoomWatch.Stop) verdict;
                log.info("recording {}: {}, stopping", request.id(), stop.reason());
                return Optional.of(End.stopped(stop.cause()));
            }
            if (verdict instanceof RoomWatch.Fail) {
                return Optional.of(End.failed(((RoomWatch.Fail) verdict).failure()));
            }
            return Optional.empty();
        }

        /** Everyone ever seen, kept here too: a page that reloads itself forgets whom it saw. */
        private void remember(RoomState room) {
            boolean changed = false;
            int before = everyoneSeen.size();
            for (Participant participant : room.everyoneSeen()) {
                Participant known = everyoneSeen.get(participant.key());
                if (known == null || (known.displayName().isEmpty() && !participant.displayName().isEmpty())) {
                    everyoneSeen.put(participant.key(), participant);
                    changed = true;
                }
            }
            if (changed) {
                log.info("recording {}: {} participant(s) seen so far, {} new", request.id(), everyoneSeen.size(),
                        everyoneSeen.size() - before);
                emit(new SlotEvent.ParticipantsSeen(request.id(), new ArrayList<>(everyoneSeen.values())));
            }
        }
    }

    /** A clock for durations that wall-clock changes do not move. */
    private Instant monotonicNow() {
        return Instant.EPOCH.plusNanos(System.nanoTime() - requestedAt);
    }

    /** Whatever was recorded becomes a playable file, even after a crash of the encoder. */
    private Optional<Path> assemble(Path ffmpeg, SegmentedRecording output) {
        if (request.fileName().isEmpty() || !request.recordsFile()) {
            return Optional.empty();
        }
        if (!output.hasMedia()) {
            log.warn("recording {} has no complete segment to keep", request.id());
            return Optional.empty();
        }
        try {
            return Optional.of(output.assemble(ffmpeg, request.fileName().get()));
        } catch (IOException e) {
            log.error("recording {}: segments are kept in {} but assembling them failed: {}",
                    request.id(), output.segmentDirectory(), e.getMessage());
            return Optional.empty();
        }
    }

    private void onProgress(CaptureProgress latest) {
        progress = latest;
        long now = System.nanoTime();
        if (firstFrameAnnounced && now - lastProgressEvent >= PROGRESS_EVENT_INTERVAL_NANOS) {
            lastProgressEvent = now;
            emit(new SlotEvent.Progress(request.id(), latest));
        }
    }

    private void finish(SlotEvent.Outcome last) {
        if (last instanceof SlotEvent.Failed failed) {
            log.warn("recording {} failed: {}", request.id(), failed.failure());
        }
        emit(last);
        outcome.complete(last);
    }

    private void emit(SlotEvent event) {
        try {
            listener.accept(event);
        } catch (RuntimeException e) {
            log.warn("slot event listener failed on {}", event, e);
        }
    }

    private Duration sinceRequest() {
        return Duration.ofNanos(System.nanoTime() - requestedAt);
    }
}
