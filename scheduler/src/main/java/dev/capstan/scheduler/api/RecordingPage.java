package dev.capstan.scheduler.api;

import java.util.List;

/** One page of {@code GET /api/v1/recordings}, newest first. */
record RecordingPage(List<RecordingView> items, int page, int size, long totalItems, int totalPages) {
}
