package dev.capstan.recorder.tracks;

import dev.capstan.recorder.browser.Participant;
import dev.capstan.recorder.browser.TrackSignal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes what the page gives of each speaker into their own files as it arrives, appending to a WebM per part
 * (a crash loses at most the last second), and keeps who was there and muted when. At the end each part becomes
 * Ogg and the manifest ({@link SpeakerTracks}) is written. Used by one thread.
 */
public final class SpeakerTrackWriter {

    private static final Logger log = LoggerFactory.getLogger(SpeakerTrackWriter.class);

    private final String recording;
    private final Path directory;
    /** How much later the composite places the page's sound (the slot's audio delay): the tracks' sound goes along. */
    private final Duration soundDelay;
    /** By who they are across joins, in the order their sound first arrived. */
    private final Map<String, Speaker> speakers = new LinkedHashMap<>();
    /** The parts being written, by the page's track key. */
    private final Map<String, PartFile> open = new HashMap<>();
    private final Map<String, List<Stretch>> presence = new HashMap<>();
    private final Map<String, List<Stretch>> mutes = new HashMap<>();
    private SpeakerTracks.Capture capture = SpeakerTracks.Capture.CAPTURED;
    private String detail = "";

    /**
     * @param directory  the recording's directory; the files go below {@value SpeakerTracks#DIRECTORY}
     * @param soundDelay how much later than the page plays it the composite recording places sound
     */
    public SpeakerTrackWriter(String recording, Path directory, Duration soundDelay) throws IOException {
        this.recording = recording;
        this.directory = directory;
        this.soundDelay = soundDelay;
        Files.createDirectories(directory.resolve(SpeakerTracks.DIRECTORY));
    }

    /** Takes in what the page said, in order; the bytes are on disk when it returns. */
    public void accept(List<TrackSignal> signals) throws IOException {
        Set<PartFile> written = new HashSet<>();
        for (TrackSignal signal : signals) {
            if (signal instanceof TrackSignal.Started started) {
                begin(started);
            } else if (signal instanceof TrackSignal.Data data) {
                PartFile part = open.get(data.trackKey());
                if (part != null) {
                    part.write(data.bytes(), data.at());
                    written.add(part);
                }
            } else if (signal instanceof TrackSignal.Ended ended) {
                end(ended.trackKey(), ended.at());
            } else if (signal instanceof TrackSignal.MuteChanged mute) {
                mark(mutes, mute.participantId(), mute.muted(), mute.at());
            } else if (signal instanceof TrackSignal.Joined joined) {
                mark(presence, joined.participantId(), true, joined.at());
            } else if (signal instanceof TrackSignal.Left left) {
                mark(presence, left.participantId(), false, left.at());
            } else if (signal instanceof TrackSignal.Restarted restarted) {
                log.warn("recording {}: the meeting page reloaded itself; each speaker's sound goes on in a new part",
                        recording);
                List.copyOf(open.keySet()).forEach(key -> end(key, restarted.at()));
            } else if (signal instanceof TrackSignal.Broken broken) {
                broken(broken);
            }
        }
        for (PartFile part : written) {
            part.sync();
        }
    }

    /** The capture broke as a whole (the page stopped answering its scripts): what was taken is kept. */
    public void failed(String why) {
        capture = SpeakerTracks.Capture.FAILED;
        detail = why;
    }

    public TrackCaptureStatus status() {
        return new TrackCaptureStatus(capture, speakers.size(), detail);
    }

    private void begin(TrackSignal.Started started) throws IOException {
        Participant who = started.participant();
        String key = who.identity().flatMap(Participant.Identity::userId).map(user -> "user:" + user)
                .or(() -> started.statsId().map(stats -> "stats:" + stats))
                .orElse("id:" + who.id());
        Speaker speaker = speakers.computeIfAbsent(key, k -> new Speaker("s" + (speakers.size() + 1), k));
        if (!who.displayName().isEmpty()) {
            speaker.displayName = who.displayName();
        }
        if (!speaker.participantIds.contains(who.id())) {
            speaker.participantIds.add(who.id());
        }
        end(started.trackKey(), started.at());
        int number = speaker.parts.size() + 1;
        PartFile part = new PartFile(number, SpeakerTracks.DIRECTORY + "/" + speaker.id + "-" + number,
                directory, started.at());
        speaker.parts.add(part);
        open.put(started.trackKey(), part);
        log.info("recording {}: {} ({}) is heard; their sound goes to {}", recording, speaker.id,
                speaker.displayName.isEmpty() ? who.id() : speaker.displayName, part.webm());
    }

    private void end(String trackKey, Instant at) {
        PartFile part = open.remove(trackKey);
        if (part != null) {
            part.close(at);
        }
    }

    private void broken(TrackSignal.Broken broken) {
        if (broken.trackKey().isPresent()) {
            end(broken.trackKey().get(), broken.at());
            detail = "a track's capture failed in the page: " + broken.message();
            log.warn("recording {}: {}", recording, detail);
        } else {
            failed("the page's track capture failed: " + broken.message());
        }
    }

    private static void mark(Map<String, List<Stretch>> stretches, String participantId, boolean on, Instant at) {
        List<Stretch> list = stretches.computeIfAbsent(participantId, id -> new ArrayList<>());
        Stretch last = list.isEmpty() ? null : list.get(list.size() - 1);
        boolean isOn = last != null && last.to == null;
        if (on && !isOn) {
            list.add(new Stretch(at));
        } else if (!on && isOn) {
            last.to = at;
        }
    }

    /**
     * Writes the manifest as things stand, naming the WebM files being written: after a crash the archive finds
     * them with their place on the timeline.
     */
    public void checkpoint(Instant on, Instant now) throws IOException {
        List<SpeakerTracks.Speaker> listed = new ArrayList<>();
        for (Speaker speaker : speakers.values()) {
            List<SpeakerTracks.Part> parts = new ArrayList<>();
            for (PartFile part : speaker.parts) {
                if (part.bytes > 0) {
                    Instant until = part.endedAt == null ? now : part.endedAt;
                    parts.add(new SpeakerTracks.Part(part.number, part.webm(), soundOffset(on, part),
                            Math.max(0, Duration.between(part.startedAt, until).toMillis()), part.bytes));
                }
            }
            if (!parts.isEmpty()) {
                listed.add(speaker.describe(parts, List.of(), on, now));
            }
        }
        new SpeakerTracks(capture, detail, listed, List.of()).writeTo(directory);
    }

    /**
     * Ends every part, turns each into Ogg, measures it and writes the final manifest. A part without sound leaves
     * no file; one that cannot be rewritten stays WebM, as it was taken.
     *
     * @param on  the recording's first frame: 0 on its timeline
     * @param end the recording's end
     */
    public SpeakerTracks finish(Path ffmpeg, Instant on, Instant end) throws IOException {
        List.copyOf(open.keySet()).forEach(key -> end(key, end));
        List<SpeakerTracks.Speaker> listed = new ArrayList<>();
        List<SpeakerTracks.Audible> timeline = new ArrayList<>();
        for (Speaker speaker : speakers.values()) {
            List<SpeakerTracks.Part> parts = new ArrayList<>();
            List<SpeakerTracks.Span> audible = new ArrayList<>();
            for (PartFile part : speaker.parts) {
                finishPart(ffmpeg, on, part, parts, audible);
            }
            if (parts.isEmpty()) {
                continue;
            }
            listed.add(speaker.describe(parts, audible, on, end));
            audible.forEach(span -> timeline.add(new SpeakerTracks.Audible(speaker.id, speaker.displayName,
                    span.fromMs(), span.toMs())));
        }
        timeline.sort(SpeakerTracks.Audible.BY_TIME);
        SpeakerTracks tracks = new SpeakerTracks(capture, detail, listed, timeline);
        tracks.writeTo(directory);
        log.info("recording {}: {} speaker track(s) in {} file(s)", recording, listed.size(), tracks.files().size());
        return tracks;
    }

    private void finishPart(Path ffmpeg, Instant on, PartFile part, List<SpeakerTracks.Part> parts,
            List<SpeakerTracks.Span> audible) throws IOException {
        Path webm = directory.resolve(part.webm());
        if (part.bytes == 0) {
            Files.deleteIfExists(webm);
            return;
        }
        Path ogg = directory.resolve(part.ogg());
        long offset = soundOffset(on, part);
        try {
            TrackAudio.Timing timing = TrackAudio.timing(webm, part.chunkEnds());
            offset = soundOffset(on, part.firstSound(timing));
            TrackAudio.Holes holes = timing.holes();
            if (holes.count() > 0) {
                log.info("recording {}: {} has {} hole(s), {} ms in all, where the page's sound stalled; they are "
                        + "filled with silence", recording, part.webm(), holes.count(), holes.totalMs());
            }
            TrackAudio.rewrite(ffmpeg, webm, ogg, holes);
            Optional<TrackAudio.Measured> measured = TrackAudio.measure(ogg);
            if (measured.isEmpty()) {
                Files.deleteIfExists(ogg);
                Files.deleteIfExists(webm);
                return;
            }
            Files.deleteIfExists(webm);
            parts.add(new SpeakerTracks.Part(part.number, part.ogg(), offset, measured.get().durationMs(),
                    Files.size(ogg)));
            for (SpeakerTracks.Span span : measured.get().audible()) {
                audible.add(new SpeakerTracks.Span(offset + span.fromMs(), offset + span.toMs()));
            }
        } catch (IOException e) {
            log.warn("recording {}: {} is kept as it was taken: {}", recording, part.webm(), e.getMessage());
            detail = part.webm() + " could not be made final: " + e.getMessage();
            Instant until = part.endedAt == null ? part.startedAt : part.endedAt;
            parts.add(new SpeakerTracks.Part(part.number, part.webm(), offset,
                    Duration.between(part.startedAt, until).toMillis(), part.bytes));
        }
    }

    /** Where a part's first sound lies on the timeline: where the composite has the same sound. */
    private long soundOffset(Instant on, PartFile part) {
        return soundOffset(on, part.startedAt);
    }

    private long soundOffset(Instant on, Instant firstSound) {
        return millis(on, firstSound.plus(soundDelay));
    }

    private static long millis(Instant on, Instant at) {
        return Duration.between(on, at).toMillis();
    }

    /** From a moment until another, or still going. */
    private static final class Stretch {
        private final Instant from;
        private Instant to;

        Stretch(Instant from) {
            this.from = from;
        }
    }

    private final class Speaker {
        private final String id;
        private final String key;
        private String displayName = "";
        private final List<String> participantIds = new ArrayList<>();
        private final List<PartFile> parts = new ArrayList<>();

        Speaker(String id, String key) {
            this.id = id;
            this.key = key;
        }

        SpeakerTracks.Speaker describe(List<SpeakerTracks.Part> finished, List<SpeakerTracks.Span> audible,
                Instant on, Instant end) {
            return new SpeakerTracks.Speaker(id, displayName, key, participantIds, finished,
                    spans(presence, on, end), spans(mutes, on, end), audible);
        }

        /** This speaker's stretches over all their joins, on the timeline and within it. */
        private List<SpeakerTracks.Span> spans(Map<String, List<Stretch>> all, Instant on, Instant end) {
            long endMs = Math.max(0, millis(on, end));
            List<SpeakerTracks.Span> spans = new ArrayList<>();
            for (String participant : participantIds) {
                for (Stretch stretch : all.getOrDefault(participant, List.of())) {
                    long from = Math.min(endMs, Math.max(0, millis(on, stretch.from)));
                    long to = stretch.to == null ? endMs : Math.min(endMs, Math.max(0, millis(on, stretch.to)));
                    if (to > from) {
                        spans.add(new SpeakerTracks.Span(from, to));
                    }
                }
            }
            spans.sort((a, b) -> Long.compare(a.fromMs(), b.fromMs()));
            return spans;
        }
    }

    /** A chunk as the page gave it: where it ends in the file, and when. */
    private record Chunk(long endByte, Instant givenAt) {
    }

    /** One part's WebM, appended to as the page gives it. */
    private static final class PartFile {
        private final int number;
        private final String name;
        private final Instant startedAt;
        private final FileChannel channel;
        private Instant endedAt;
        private long bytes;
        private final List<Chunk> chunks = new ArrayList<>();

        PartFile(int number, String name, Path directory, Instant startedAt) throws IOException {
            this.number = number;
            this.name = name;
            this.startedAt = startedAt;
            this.channel = FileChannel.open(directory.resolve(webm()), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        }

        String webm() {
            return name + ".webm";
        }

        String ogg() {
            return name + ".ogg";
        }

        void write(byte[] data, Instant givenAt) throws IOException {
            ByteBuffer buffer = ByteBuffer.wrap(data);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            bytes += data.length;
            chunks.add(new Chunk(bytes, givenAt));
        }

        long[] chunkEnds() {
            return chunks.stream().mapToLong(Chunk::endByte).toArray();
        }

        /**
         * When the part's first sound was heard. Each chunk came out of the page's recorder some time after the
         * sound it ends with: the chunk given soonest after its sound dates the start best (a starved page starts
         * its recorder late, and the moment it was asked to start would date the sound too early). Never before the
         * recorder was started.
         */
        Instant firstSound(TrackAudio.Timing timing) {
            Instant best = null;
            long[] sound = timing.soundByChunkMs();
            for (int i = 0; i < sound.length && i < chunks.size(); i++) {
                if (sound[i] >= 0) {
                    Instant start = chunks.get(i).givenAt().minusMillis(sound[i]);
                    best = best == null || start.isBefore(best) ? start : best;
                }
            }
            return best == null || best.isBefore(startedAt) ? startedAt : best;
        }

        void sync() throws IOException {
            if (channel.isOpen()) {
                channel.force(false);
            }
        }

        void close(Instant at) {
            endedAt = at;
            try {
                channel.force(false);
                channel.close();
            } catch (IOException e) {
                log.debug("closing {} failed: {}", webm(), e.toString());
            }
        }
    }
}
