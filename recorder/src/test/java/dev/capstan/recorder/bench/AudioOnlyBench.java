package dev.capstan.recorder.bench;

import dev.capstan.recorder.demo.DemoMeeting;
import dev.capstan.recorder.media.MediaReport;
import dev.capstan.recorder.slot.CaptureSpan;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.Slot;
import dev.capstan.recorder.slot.SlotConfig;
import dev.capstan.recorder.slot.SlotEvent;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What an audio-only recording costs, and how many run at once on this host with no lost second. Warm slots record
 * the demo meeting: first all idle (what the warm slots cost doing nothing), then one recording with picture, one
 * audio-only, then more and more audio-only recordings at once. Each step's cost is the slots' processes' CPU
 * (Xvfb, PulseAudio, Chromium, chromedriver, FFmpeg) over a steady window less the idle slots' own, per recording.
 * Every file is decoded: it must last from its first sound to its stop (within {@link PressureBench#LOSS_TOLERANCE_SECONDS})
 * and carry the demo's first tile tone; the largest step where every file does is the concurrency figure. An
 * audio-only file must have no picture, and a recording with picture, also after audio-only ones on its slot (whose
 * page they hid), a picture of the page.
 */
final class AudioOnlyBench {

    /** Audio-only recordings at once, step by step. */
    static final List<Integer> CONCURRENT = List.of(1, 4, 8, 10, 12);
    /** Each step's measured window. */
    static final int SECONDS = 20;
    private static final Duration SETTLE = Duration.ofSeconds(3);
    private static final double MIN_TONE_DB = 20;

    private final SlotConfig slotConfig;
    private final Path out;
    private final int seconds;

    record Report(Map<String, Object> results, List<String> lines) {
    }

    /** One step: its recordings' truth and the slots' cost per recording above idle. */
    record Step(String name, int recordings, boolean audioOnly, double coresPerRecording,
                Map<String, Double> coresByProgram, double hostBusyCores, double maxLostSeconds, double minToneDb,
                boolean anyVideo, boolean passes) {
    }

    AudioOnlyBench(SlotConfig slotConfig, Path out, int seconds) {
        this.slotConfig = slotConfig;
        this.out = out;
        this.seconds = seconds;
    }

    Report run(URI demo) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        int most = CONCURRENT.stream().mapToInt(Integer::intValue).max().orElse(1);
        List<String> lines = new ArrayList<>();
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("seconds", seconds);
        lines.add("");
        lines.add(String.format(Locale.ROOT, "7. Audio-only recordings on %d cores, %d-s recordings of the demo meeting",
                cores, seconds));
        lines.add(String.format(Locale.ROOT, "   %-16s %4s  %-14s %-10s %-12s %-9s %s", "step", "rec",
                "cores/rec", "host busy", "lost s (max)", "tone dB", "ok"));
        List<Slot> slots = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        try (ResourceMeter meter = ResourceMeter.start()) {
            for (int i = 1; i <= most; i++) {
                Slot slot = new Slot("audio-" + i, slotConfig);
                slot.warmUp();
                slots.add(slot);
            }
            PipelineBench.progress("audio: %d slots warm", slots.size());
            Thread.sleep(SETTLE.toMillis());
            ResourceMeter.Usage idleFrom = meter.usage();
            Thread.sleep(seconds * 1000L);
            ResourceMeter.Usage idle = meter.usage().since(idleFrom);
            results.put("idleSlotsCores", idle.cores());
            PipelineBench.progress("audio: %d idle slots use %.2f cores", slots.size(), idle.cores());
            steps.add(step("video 1", slots.subList(0, 1), false, demo, meter, idle));
            for (int count : CONCURRENT) {
                steps.add(step("audio " + count, slots.subList(0, count), true, demo, meter, idle));
            }
            // The slot that recorded sound alone (its page hidden) records the picture again.
            steps.add(step("video 1 again", slots.subList(0, 1), false, demo, meter, idle));
        } finally {
            slots.forEach(Slot::close);
        }
        for (Step step : steps) {
            lines.add(String.format(Locale.ROOT, "   %-16s %4d  %-14.2f %-10.2f %-12.1f %-9.0f %s", step.name(),
                    step.recordings(), step.coresPerRecording(), step.hostBusyCores(), step.maxLostSeconds(),
                    step.minToneDb(), step.passes() ? "yes" : "NO"));
        }
        int sustained = steps.stream().filter(step -> step.audioOnly() && step.passes())
                .mapToInt(Step::recordings).max().orElse(0);
        double audio = steps.stream().filter(step -> step.audioOnly() && step.recordings() == 1)
                .mapToDouble(Step::coresPerRecording).findFirst().orElse(Double.NaN);
        double video = steps.get(0).coresPerRecording();
        lines.add(String.format(Locale.ROOT, "   one audio-only recording: %.2f cores (%.0f%% of one with picture, "
                + "%.2f); %d at once with no lost second (aim >= 8: %s)", audio, 100 * audio / video, video,
                sustained, sustained >= 8 ? "met" : "MISSED"));
        results.put("steps", steps);
        results.put("coresPerAudioRecording", audio);
        results.put("coresPerVideoRecording", video);
        results.put("sustainedAudioOnly", sustained);
        return new Report(results, lines);
    }

    private Step step(String name, List<Slot> slots, boolean audioOnly, URI demo, ResourceMeter meter,
            ResourceMeter.Usage idle) throws Exception {
        Path directory = out.resolve("recordings/audio/" + name.replace(' ', '-'));
        List<Recording> recordings = new ArrayList<>();
        List<CompletableFuture<Void>> on = new ArrayList<>();
        for (int i = 0; i < slots.size(); i++) {
            String id = name.replace(' ', '-') + "-" + i + "-" + System.currentTimeMillis();
            CompletableFuture<Void> first = new CompletableFuture<>();
            RecordingRequest request = RecordingRequest.of(RecordingId.of(id), new ObservedPage(demo),
                    directory.resolve(id)).withMaxDuration(Duration.ofSeconds(seconds * 4L));
            recordings.add(PressureBench.start(slots.get(i), audioOnly ? request.audioOnly() : request, first));
            on.add(first);
        }
        CompletableFuture.allOf(on.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        Thread.sleep(SETTLE.toMillis());
        ResourceMeter.Usage from = meter.usage();
        Thread.sleep(seconds * 1000L);
        ResourceMeter.Usage window = meter.usage().since(from);
        List<CompletableFuture<SlotEvent.Outcome>> outcomes = recordings.stream().map(Recording::stop).toList();
        double maxLost = 0;
        double minTone = Double.MAX_VALUE;
        boolean anyVideo = false;
        boolean pictures = true;
        for (CompletableFuture<SlotEvent.Outcome> pending : outcomes) {
            SlotEvent.Outcome outcome = pending.get(180, TimeUnit.SECONDS);
            if (!(outcome instanceof SlotEvent.Stopped stopped) || stopped.file().isEmpty()) {
                throw new IllegalStateException(name + ": a recording did not finish with a file: " + outcome);
            }
            MediaReport report = MediaReport.of(stopped.file().get());
            CaptureSpan span = stopped.span();
            double lost = Math.max(0, span.length().toNanos() / 1e9 - report.duration());
            maxLost = Math.max(maxLost, lost > PressureBench.LOSS_TOLERANCE_SECONDS ? lost : 0);
            minTone = Math.min(minTone, report.toneLevelDb(DemoMeeting.TILE_TONES_HZ.get(0)));
            anyVideo |= report.videoFrames() > 0;
            pictures &= report.hasPicture();
        }
        Map<String, Double> byProgram = new LinkedHashMap<>();
        window.coresByProgram().forEach((program, used) -> byProgram.put(program,
                (used - idle.coresByProgram().getOrDefault(program, 0.0)) / slots.size()));
        double perRecording = (window.cores() - idle.cores()) / slots.size();
        boolean passes = maxLost == 0 && minTone > MIN_TONE_DB && (audioOnly ? !anyVideo : pictures);
        Step step = new Step(name, slots.size(), audioOnly, perRecording, byProgram, window.hostBusyCores(), maxLost,
                minTone, anyVideo, passes);
        PipelineBench.progress("audio %s: %.2f cores per recording %s, host %.2f cores busy, lost %.1f s, tone %.0f dB",
                name, perRecording, byProgram, window.hostBusyCores(), maxLost, minTone);
        return step;
    }
}
