package dev.capstan.scheduler.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.storage.archive.RecordingEntry;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingStatus;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The last resort for a recording's progress: what the catalog says (it ran before a restart, or on a node no
 * other source knows). Asked last, so that sources with live figures answer first.
 */
@Component
@Order(Ordered.LOWEST_PRECEDENCE)
class CatalogRecordingProgress implements RecordingProgress {

    private static final Set<RecordingStatus> SETTLED = EnumSet.of(RecordingStatus.READY, RecordingStatus.PARTIAL,
            RecordingStatus.FAILED);
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final RecordingArchive archive;
    private final ObjectMapper json;

    CatalogRecordingProgress(RecordingArchive archive, ObjectMapper json) {
        this.archive = archive;
        this.json = json;
    }

    @Override
    public Optional<Progress> of(RecordingId id) {
        return archive.catalog().find(id).map(this::progress);
    }

    private Progress progress(RecordingEntry entry) {
        boolean failed = entry.status() == RecordingStatus.FAILED;
        PendingUploads pending = archive.upload(entry.id()).map(LocalRecordingProgress::pending)
                .orElse(PendingUploads.NONE);
        return new Progress(entry.id().value(), entry.status().name().toLowerCase(Locale.ROOT),
                entry.endedAt().orElse(entry.startedAt()), entry.mode().name().toLowerCase(Locale.ROOT),
                entry.meetingUrl(), appData(entry), entry.duration().map(d -> d.toMillis() / 1000.0).orElse(null),
                null, null, entry.sizeBytes().orElse(null), pending, null, null, null,
                failed ? entry.statusDetail().orElse(null) : null, null, null, null, null, null, null,
                SpeakerTracksStatus.of(entry).orElse(null), null, SETTLED.contains(entry.status())).withArchived(entry);
    }

    private Map<String, Object> appData(RecordingEntry entry) {
        try {
            return json.readValue(entry.appDataJson(), MAP);
        } catch (Exception unreadable) {
            return Map.of();
        }
    }
}
