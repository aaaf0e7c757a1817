package dev.capstan.scheduler.archive;

import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Deletes recordings older than {@code capstan.archive.retention}, checked every few minutes. Off when zero. */
@Component
class ArchiveRetention {

    private static final Logger log = LoggerFactory.getLogger(ArchiveRetention.class);

    private final RecordingArchive archive;
    private final ArchiveProperties properties;

    ArchiveRetention(RecordingArchive archive, ArchiveProperties properties) {
        this.archive = archive;
        this.properties = properties;
    }

    @Scheduled(initialDelayString = "${capstan.archive.retention-check:5m}", fixedDelayString = "${capstan.archive.retention-check:5m}")
    void deleteExpired() {
        if (properties.retention().isZero() || properties.retention().isNegative()) {
            return;
        }
        int deleted = archive.deleteStartedBefore(Instant.now().minus(properties.retention()));
        if (deleted > 0) {
            log.info("retention: deleted {} recordings older than {}", deleted, properties.retention());
        }
    }
}
