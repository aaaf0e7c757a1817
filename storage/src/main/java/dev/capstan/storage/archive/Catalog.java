package dev.capstan.storage.archive;

import jakarta.persistence.criteria.Predicate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.data.jpa.domain.Specification;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The recording catalog: every recording's metadata and status, which the API lists and searches.
 *
 * <p>Status changes follow {@link RecordingStatus}: a change that is not legal from the current status, or any
 * change to a recording that is not in the catalog (never created, or deleted), throws
 * {@link IllegalStateException}. Values that do not fit their column throw {@link IllegalArgumentException};
 * status details are cut to fit instead. Each method is one transaction (joining the caller's, if any); changes of
 * the same recording lock its row, so concurrent changes wait for each other rather than fail.
 *
 * <p>Spring applications get it by importing {@link CatalogConfiguration}.
 */
public class Catalog {

    /** How the status detail shows a salvage in progress, before its reason. */
    static final String SALVAGING = "salvaging: ";

    private static final Sort NEWEST_FIRST = Sort.by(Sort.Order.desc("startedAt"), Sort.Order.desc("id"));
    private static final Sort OLDEST_FIRST = Sort.by(Sort.Order.asc("startedAt"), Sort.Order.asc("id"));

    private final RecordingRows rows;
    private final TransactionTemplate writes;
    private final TransactionTemplate reads;
    private final Clock clock;

    Catalog(RecordingRows rows, PlatformTransactionManager transactions, Clock clock) {
        this.rows = rows;
        this.writes = new TransactionTemplate(transactions);
        this.reads = new TransactionTemplate(transactions);
        this.reads.setReadOnly(true);
        this.clock = clock;
    }

    /**
     * Records a recording that has just started, in status RECORDING. A later part of a session
     * ({@link NewRecording#partOf}) must name a top-level recording in the catalog, and its number must be free.
     */
    public RecordingEntry create(NewRecording recording) {
        String id = recording.id().value();
        try {
            // The row has no version yet, so it is inserted (never merged): a duplicate id fails on the primary key.
            return writes.execute(tx -> {
                recording.partOf().ifPresent(this::checkParent);
                return rows.saveAndFlush(new RecordingRow(recording, micros(recording.startedAt()), now())).toEntry();
            });
        } catch (DataIntegrityViolationException e) {
            if (find(recording.id()).isPresent()) {
                throw new IllegalStateException("recording " + id + " is already in the catalog", e);
            }
            if (recording.partOf().isPresent()) {
                PartOf part = recording.partOf().get();
                throw new IllegalStateException("part " + part.number() + " of recording " + part.parent()
                        + " is already in the catalog", e);
            }
            throw e;
        }
    }

    private void checkParent(PartOf part) {
        RecordingRow parent = rows.findById(part.parent().value()).orElseThrow(() -> new IllegalStateException(
                "recording " + part.parent() + " is not in the catalog, so it cannot have a part " + part.number()));
        if (parent.toEntry().parent().isPresent()) {
            throw new IllegalStateException("recording " + part.parent() + " is itself a part of "
                    + parent.toEntry().top() + "; parts hang below the top-level recording");
        }
    }

    public Optional<RecordingEntry> find(RecordingId id) {
        return reads.execute(tx -> rows.findById(id.value()).map(RecordingRow::toEntry));
    }

    /**
     * The recording's session, in order: the top-level recording first (part 1), then its later parts. Given a
     * part, the same list (its top-level recording's). Empty if the recording is not in the catalog.
     */
    public List<RecordingEntry> parts(RecordingId id) {
        return reads.execute(tx -> {
            Optional<RecordingRow> row = rows.findById(id.value());
            if (row.isEmpty()) {
                return List.<RecordingEntry>of();
            }
            return entries(rows.family(row.get().toEntry().top().value()));
        });
    }

    /** RECORDING → UPLOADING: capture has ended and the media is being stored. {@code duration} may be null. */
    public RecordingEntry markUploading(RecordingId id, Instant endedAt, Duration duration, String detail) {
        return markUploading(id, endedAt, duration, null, null, detail);
    }

    /**
     * RECORDING → UPLOADING, with the frame rate the file delivers (its distinct frames per second) and the media it
     * lacks, as far as they are known (null when not): the loss is kept for {@link #markPartial} even if the process
     * that measured it is gone by then.
     */
    public RecordingEntry markUploading(RecordingId id, Instant endedAt, Duration duration, Double deliveredFps,
            MediaLoss loss, String detail) {
        Objects.requireNonNull(endedAt, "endedAt");
        if (deliveredFps != null && !(deliveredFps >= 0 && Double.isFinite(deliveredFps))) {
            throw new IllegalArgumentException("deliveredFps must be a finite number, 0 or more: " + deliveredFps);
        }
        return transition(id, RecordingStatus.UPLOADING, detail, row -> {
            row.ended(micros(endedAt), duration);
            row.deliveredFps(deliveredFps);
            row.lost(loss);
        });
    }

    /** UPLOADING → READY: the media is stored in full. Clears the status detail. */
    public RecordingEntry markReady(RecordingId id, StoredMedia media) {
        Objects.requireNonNull(media, "media");
        return transition(id, RecordingStatus.READY, null, row -> row.stored(media));
    }

    /**
     * UPLOADING → PARTIAL: the media is stored but incomplete; {@code loss} says how much is missing and why,
     * {@code detail} in words.
     */
    public RecordingEntry markPartial(RecordingId id, StoredMedia media, String detail, MediaLoss loss) {
        Objects.requireNonNull(media, "media");
        Objects.requireNonNull(loss, "loss");
        return transition(id, RecordingStatus.PARTIAL, detail, row -> {
            row.stored(media);
            row.lost(loss);
        });
    }

    /** RECORDING or UPLOADING → FAILED: nothing usable was stored; {@code detail} says why. */
    public RecordingEntry markFailed(RecordingId id, String detail) {
        return transition(id, RecordingStatus.FAILED, detail, row -> { });
    }

    /** RECORDING or UPLOADING → FAILED, with the media that was lost (all of it, as far as it is known). */
    public RecordingEntry markFailed(RecordingId id, String detail, MediaLoss loss) {
        Objects.requireNonNull(loss, "loss");
        return transition(id, RecordingStatus.FAILED, detail, row -> row.lost(loss));
    }

    /**
     * Takes over a recording whose recorder is gone (its node vanished), as one of several schedulers that may
     * try at once: only if nobody changed it since it was read as {@code seenVersion} and it is not final. A
     * RECORDING one becomes UPLOADING, ended at {@code endedAt}; an UPLOADING one keeps its status and end. Either
     * way it is claimed for the salvage ({@link RecordingEntry#salvaging()} is {@code reason}, and the status
     * detail shows {@code salvaging: <reason>}) until it settles or {@link #giveUpSalvage} ends the claim.
     *
     * @return the recording as taken over, or empty when it changed meanwhile (someone else took it over, or it
     *         settled): then the caller leaves it alone
     */
    public Optional<RecordingEntry> takeOver(RecordingId id, long seenVersion, Instant endedAt, String reason) {
        Objects.requireNonNull(endedAt, "endedAt");
        Objects.requireNonNull(reason, "reason");
        return writes.execute(tx -> {
            Optional<RecordingRow> found = rows.findForUpdateById(id.value());
            if (found.isEmpty() || found.get().version() != seenVersion || found.get().status().isFinal()) {
                return Optional.<RecordingEntry>empty();
            }
            RecordingRow row = found.get();
            if (row.status() == RecordingStatus.RECORDING) {
                row.status(RecordingStatus.UPLOADING, null);
                row.ended(micros(endedAt), null);
            }
            row.statusDetail(Limits.truncate(SALVAGING + reason));
            row.salvage(Limits.truncate(reason));
            row.touched(now());
            return Optional.of(rows.saveAndFlush(row).toEntry());
        });
    }

    /**
     * Shows that the salvage of a recording goes on: a new version, which other schedulers watch to tell a
     * salvage that progresses from one whose scheduler vanished too.
     *
     * @throws IllegalStateException if the recording is not being salvaged (it settled, or the claim was given up)
     */
    public RecordingEntry salvageGoesOn(RecordingId id) {
        return change(id, row -> requireSalvaging(id, row));
    }

    /**
     * Ends the claim of a salvage that failed, so that the next attempt takes the recording over at once rather
     * than waiting for the claim to look stalled; {@code detail} says what went wrong.
     *
     * @throws IllegalStateException if the recording is not being salvaged
     */
    public RecordingEntry giveUpSalvage(RecordingId id, String detail) {
        return change(id, row -> {
            requireSalvaging(id, row);
            row.salvage(null);
            row.statusDetail(Limits.truncate(detail));
        });
    }

    private static void requireSalvaging(RecordingId id, RecordingRow row) {
        if (row.salvageReason() == null) {
            throw new IllegalStateException("recording " + id + " is " + row.status() + " and not being salvaged");
        }
    }

    /**
     * Sets when capture ended and how long the media is, for a recording that is not final yet: after a takeover,
     * once what reached the store has been measured.
     */
    public RecordingEntry setEnded(RecordingId id, Instant endedAt, Duration duration) {
        Objects.requireNonNull(endedAt, "endedAt");
        return change(id, row -> {
            if (row.status().isFinal()) {
                throw new IllegalStateException("recording " + id + " is " + row.status() + ", which is final");
            }
            row.ended(micros(endedAt), duration);
        });
    }

    /** Replaces the status detail of a recording that is not final yet, e.g. with an upload's progress. */
    public RecordingEntry setStatusDetail(RecordingId id, String detail) {
        return change(id, row -> {
            if (row.status().isFinal()) {
                throw new IllegalStateException("recording " + id + " is " + row.status() + ", which is final");
            }
            row.statusDetail(Limits.truncate(detail));
        });
    }

    /** Replaces the participants (a JSON array as text), in any status. */
    public RecordingEntry setParticipants(RecordingId id, String participantsJson) {
        String json = Limits.json("participantsJson", Objects.requireNonNull(participantsJson, "participantsJson"),
                '[', "[]");
        return change(id, row -> row.participants(json));
    }

    /**
     * Files the speaker-tracks manifest (a JSON object as text), in any status: it is filed when the recording
     * settles, and again if a salvage finds more.
     */
    public RecordingEntry setTracks(RecordingId id, String tracksJson) {
        String json = Limits.json("tracksJson", Objects.requireNonNull(tracksJson, "tracksJson"), '{', "{}");
        return change(id, row -> row.tracks(json));
    }

    /** Files its pauses (a JSON array as text), in any status: refiled at every pause and resume. */
    public RecordingEntry setPauses(RecordingId id, String pausesJson) {
        String json = Limits.json("pausesJson", Objects.requireNonNull(pausesJson, "pausesJson"), '[', "[]");
        return change(id, row -> row.pauses(json));
    }

    /** One page of the top-level recordings that match, newest first (by start, then id); parts are not listed. */
    public Page<RecordingEntry> search(CatalogQuery query) {
        PageRequest page = PageRequest.of(query.page(), query.size(), NEWEST_FIRST);
        return reads.execute(tx -> rows.findAll(matching(query), page).map(RecordingRow::toEntry));
    }

    /**
     * Removes a recording from the catalog (not its media), with its later parts if it is a top-level one; false
     * if it was not there.
     */
    public boolean delete(RecordingId id) {
        // Its parts go by the schema's foreign key (on delete cascade).
        return Boolean.TRUE.equals(writes.execute(tx -> rows.deleteRow(id.value()) > 0));
    }

    /**
     * Up to {@code limit} top-level recordings started before {@code cutoff}, oldest first: candidates for
     * retention (their parts go with them).
     */
    public List<RecordingEntry> startedBefore(Instant cutoff, int limit) {
        Objects.requireNonNull(cutoff, "cutoff");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be positive: " + limit);
        }
        PageRequest page = PageRequest.of(0, limit, OLDEST_FIRST);
        return reads.execute(tx -> entries(rows.findByParentIdIsNullAndStartedAtBefore(cutoff, page)));
    }

    /** Every recording (parts too) in one of these statuses, oldest first: what to resume after a restart. */
    public List<RecordingEntry> inStatus(Set<RecordingStatus> statuses) {
        if (statuses.isEmpty()) {
            return List.of();
        }
        return reads.execute(tx -> entries(rows.findByStatusInOrderByStartedAtAscIdAsc(statuses)));
    }

    private RecordingEntry transition(RecordingId id, RecordingStatus target, String detail,
                                      Consumer<RecordingRow> alsoChange) {
        return change(id, row -> {
            if (!row.status().canBecome(target)) {
                throw new IllegalStateException(
                        "recording " + id + " is " + row.status() + " and cannot become " + target);
            }
            row.status(target, Limits.truncate(detail));
            row.salvage(null); // a recording that settles is no longer salvaged
            alsoChange.accept(row);
        });
    }

    private RecordingEntry change(RecordingId id, Consumer<RecordingRow> change) {
        return writes.execute(tx -> {
            RecordingRow row = rows.findForUpdateById(id.value()).orElseThrow(() -> new IllegalStateException(
                    "recording " + id + " is not in the catalog"));
            change.accept(row);
            row.touched(now());
            return rows.saveAndFlush(row).toEntry();
        });
    }

    private static Specification<RecordingRow> matching(CatalogQuery query) {
        return (root, criteria, builder) -> {
            List<Predicate> filters = new ArrayList<>();
            // A session that moved to another slot is listed once, by its first recording.
            filters.add(builder.isNull(root.get("parentId")));
            if (query.room() != null) {
                filters.add(builder.equal(root.get("room"), query.room()));
            }
            if (query.status() != null) {
                filters.add(builder.equal(root.get("status"), query.status()));
            }
            if (query.startedFrom() != null) {
                filters.add(builder.greaterThanOrEqualTo(root.get("startedAt"), query.startedFrom()));
            }
            if (query.startedTo() != null) {
                filters.add(builder.lessThan(root.get("startedAt"), query.startedTo()));
            }
            return builder.and(filters.toArray(Predicate[]::new));
        };
    }

    private static List<RecordingEntry> entries(List<RecordingRow> found) {
        return found.stream().map(RecordingRow::toEntry).toList();
    }

    private Instant now() {
        return micros(clock.instant());
    }

    /** The databases keep microseconds; so does the catalog, so that what it returns is what it stored. */
    private static Instant micros(Instant instant) {
        return instant.truncatedTo(ChronoUnit.MICROS);
    }
}
