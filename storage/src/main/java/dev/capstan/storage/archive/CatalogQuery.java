package dev.capstan.storage.archive;

import java.time.Instant;

/**
 * A search of the catalog: optional filters and one page of the result, newest first. Start from {@link #all()}.
 *
 * @param room        only this room (exact match), or null for every room
 * @param status      only this status, or null for every status
 * @param startedFrom only recordings started at or after this, or null
 * @param startedTo   only recordings started before this, or null
 * @param page        the page, from 0
 * @param size        recordings per page, 1 to {@value #MAX_SIZE}
 */
public record CatalogQuery(String room, RecordingStatus status, Instant startedFrom, Instant startedTo, int page,
                           int size) {

    public static final int DEFAULT_SIZE = 20;
    public static final int MAX_SIZE = 100;

    public CatalogQuery {
        if (page < 0) {
            throw new IllegalArgumentException("page must not be negative: " + page);
        }
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("size must be between 1 and " + MAX_SIZE + ": " + size);
        }
        if (startedFrom != null && startedTo != null && startedTo.isBefore(startedFrom)) {
            throw new IllegalArgumentException("startedTo " + startedTo + " is before startedFrom " + startedFrom);
        }
    }

    /** Every recording, first page of {@value #DEFAULT_SIZE}. */
    public static CatalogQuery all() {
        return new CatalogQuery(null, null, null, null, 0, DEFAULT_SIZE);
    }

    public CatalogQuery withRoom(String room) {
        return new CatalogQuery(room, status, startedFrom, startedTo, page, size);
    }

    public CatalogQuery withStatus(RecordingStatus status) {
        return new CatalogQuery(room, status, startedFrom, startedTo, page, size);
    }

    /** Recordings started in {@code [from, to)}; either end may be null. */
    public CatalogQuery withStarted(Instant from, Instant to) {
        return new CatalogQuery(room, status, from, to, page, size);
    }

    public CatalogQuery withPage(int page, int size) {
        return new CatalogQuery(room, status, startedFrom, startedTo, page, size);
    }
}
