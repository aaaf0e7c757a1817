package dev.capstan.scheduler.archive;

import dev.capstan.storage.archive.Catalog;
import dev.capstan.storage.archive.LossCause;
import dev.capstan.storage.archive.MediaLoss;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.media.FragmentedMp4;
import dev.capstan.storage.spool.SegmentLayout;
import dev.capstan.storage.spool.Spool;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Salvages recordings whose recorder vanished with its node, from what had reached the store: it takes the
 * recording over in the catalog (a claim other schedulers see, {@link RecordingEntry#salvaging()}), fetches its
 * segments into this node's spool and hands them to {@link Filing} to seal and settle. It owns the salvages in
 * progress here, their threads and their heartbeats.
 */
final class Salvage {

    private static final Logger log = LoggerFactory.getLogger(Salvage.class);
    static final long SALVAGE_STALE_SECONDS = 60;
    private static final Duration SALVAGE_HEARTBEAT = Duration.ofSeconds(15);
    private static final Duration SALVAGE_POLL = Duration.ofMillis(250);

    private final Catalog catalog;
    private final BlobStore store;
    private final Spool spool;
    private final Filing filing;
    private final Settlements settlements;
    private final Deletion deletion;
    private final Map<RecordingId, CompletableFuture<Optional<RecordingEntry>>> salvages = new ConcurrentHashMap<>();
    /** Salvages wait on the store (fetching every segment) and for their upload: never on the finishing thread. */
    private final ExecutorService salvaging = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "archive-salvage");
        thread.setDaemon(true);
        return thread;
    });
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "archive-salvage-heartbeat");
        thread.setDaemon(true);
        return thread;
    });

    Salvage(Catalog catalog, BlobStore store, Spool spool, Filing filing, Settlements settlements, Deletion deletion) {
        this.catalog = catalog;
        this.store = store;
        this.spool = spool;
        this.filing = filing;
        this.settlements = settlements;
        this.deletion = deletion;
    }

    /** See {@link RecordingArchive#salvage}. */
    CompletableFuture<Optional<RecordingEntry>> salvage(RecordingId id, String reason) {
        Objects.requireNonNull(reason, "reason");
        CompletableFuture<Optional<RecordingEntry>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<RecordingEntry>> running = salvages.putIfAbsent(id, mine);
        if (running != null) {
            return running;
        }
        salvaging.execute(() -> {
            try {
                mine.complete(salvageNow(id, reason));
            } catch (Throwable e) {
                log.error("recording {}: salvage failed: {}", id, e.toString());
                mine.completeExceptionally(e);
            } finally {
                salvages.remove(id, mine);
            }
        });
        return mine;
    }

    private Optional<RecordingEntry> salvageNow(RecordingId id, String reason) throws Exception {
        long seenVersion = -1;
        long seenSince = System.nanoTime();
        while (true) {
            Optional<RecordingEntry> found = catalog.find(id);
            if (found.isEmpty() || found.get().status().isFinal()) {
                return found;
            }
            RecordingEntry entry = found.get();
            if (spool.status(id).isPresent()) {
                if (spool.adopted(id)) {
                    return settlements.settled(id).get(); // this node's salvage, resumed after a restart
                }
                throw new IllegalStateException("recording " + id + " is recorded on this node; only a recording"
                        + " whose node vanished can be salvaged");
            }
            // Progress shows as new versions (the salvager's heartbeat); it is judged by this clock alone, so
            // hosts whose clocks differ still agree on when a salvage has stalled.
            if (entry.version() != seenVersion) {
                seenVersion = entry.version();
                seenSince = System.nanoTime();
            }
            boolean stalled = System.nanoTime() - seenSince > TimeUnit.SECONDS.toNanos(SALVAGE_STALE_SECONDS);
            if (entry.salvaging().isEmpty() || stalled) {
                Optional<RecordingEntry> taken = catalog.takeOver(id, entry.version(), Instant.now(), reason);
                if (taken.isPresent()) {
                    return salvageTaken(entry, taken.get(), reason);
                }
                continue; // another scheduler moved first: look again
            }
            Thread.sleep(SALVAGE_POLL.toMillis());
        }
    }

    /** This scheduler has taken the recording over: fetch, measure, seal and wait for it to settle. */
    private Optional<RecordingEntry> salvageTaken(RecordingEntry before, RecordingEntry taken, String reason)
            throws Exception {
        RecordingId id = taken.id();
        ScheduledFuture<?> heartbeat = heartbeats.scheduleAtFixedRate(() -> heartbeat(id),
                SALVAGE_HEARTBEAT.toMillis(), SALVAGE_HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
        try {
            Path directory;
            try {
                directory = spool.adopt(id, JibriFiles.salvagedName(taken));
            } catch (IOException | RuntimeException e) {
                // Without the claim, the next call takes it over at once instead of waiting for it to look stalled.
                catalog.giveUpSalvage(id, "salvage failed, to be tried again: " + e.getMessage());
                throw e;
            }
            List<Path> segments = SegmentLayout.completedSegments(directory);
            if (segments.isEmpty()) {
                Optional<Duration> onFor = givenUpAfter(taken);
                String detail = reason + "; nothing reached the store";
                RecordingEntry failed = onFor.isPresent()
                        ? catalog.markFailed(id, detail, new MediaLoss(LossCause.NODE_LOST, onFor.get()))
                        : catalog.markFailed(id, detail);
                deletion.discard(id);
                settlements.finished(failed);
                log.warn("recording {}: nothing to salvage: no complete segment had reached {}", id, store.describe());
                return Optional.of(failed);
            }
            Duration length = FragmentedMp4.playedDuration(SegmentLayout.init(directory), segments);
            Optional<Duration> onFor = givenUpAfter(taken);
            // A recording that was still running ended about when its last stored segment did; one that was already
            // being uploaded keeps the end its recorder gave it.
            Instant endedAt = before.status() == RecordingStatus.RECORDING || taken.endedAt().isEmpty()
                    ? taken.startedAt().plus(length) : taken.endedAt().get();
            catalog.setEnded(id, endedAt, length);
            String detail = String.format(Locale.ROOT, "%s; salvaged the %.1f s that had reached the store", reason,
                    length.toMillis() / 1000.0);
            CompletableFuture<Optional<RecordingEntry>> done = settlements.settled(id);
            filing.ended(id, Ending.without(endedAt, detail, LossCause.NODE_LOST, onFor));
            log.info("recording {}: salvaging {} segments ({} s) from {}", id, segments.size(),
                    length.toMillis() / 1000.0, store.describe());
            return done.get();
        } finally {
            heartbeat.cancel(false);
        }
    }

    /** Shows other schedulers that this salvage goes on (a new version); its progress is in the upload status. */
    private void heartbeat(RecordingId id) {
        try {
            catalog.salvageGoesOn(id);
        } catch (RuntimeException e) {
            // Settled or given up meanwhile: the heartbeat is about to be cancelled.
        }
    }

    /**
     * The ending of a salvage this node had begun before it restarted (its spool adopted the recording): the
     * salvage's reason, the time it was on as far as known.
     */
    Ending resumed(RecordingId id) {
        Optional<RecordingEntry> entry = catalog.find(id);
        String failure = entry.flatMap(salvaged -> salvaged.salvaging().or(salvaged::statusDetail))
                .orElse("salvaged after its node vanished");
        return Ending.without(Instant.now(), failure, LossCause.NODE_LOST, entry.flatMap(Salvage::givenUpAfter));
    }

    /**
     * The best estimate of how long a recording whose node vanished was on: from its start (the request) to when it
     * was given up, or to the end its recorder reported if it had ended. An upper bound: it includes the time the
     * slot took to join, and the time it took to notice the node was gone.
     */
    private static Optional<Duration> givenUpAfter(RecordingEntry entry) {
        return entry.endedAt().map(end -> Duration.between(entry.startedAt(), end)).filter(d -> !d.isNegative());
    }

    /** Stops salvaging: salvages in progress are interrupted and taken over elsewhere once they look stalled. */
    void close() {
        heartbeats.shutdownNow();
        salvaging.shutdownNow();
    }
}
