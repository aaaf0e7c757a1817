package dev.capstan.scheduler.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.storage.archive.Catalog;
import dev.capstan.storage.archive.NewRecording;
import dev.capstan.storage.archive.RecordingId;
import dev.capstan.storage.archive.RecordingMode;
import dev.capstan.storage.archive.StoredMedia;
import dev.capstan.storage.blob.BlobStore;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

/** {@code capstan.archive.retention}: old recordings go, with their objects; recent and running ones stay. */
@SpringBootTest(properties = {"capstan.node.slots=1", "capstan.archive.retention=1h",
        "capstan.archive.retention-check=1h"})
class RetentionTest {

    @Autowired
    Catalog catalog;

    @Autowired
    BlobStore store;

    @Autowired
    ArchiveRetention retention;

    private RecordingId ready(String name, Duration age) throws Exception {
        RecordingId id = RecordingId.of(name);
        Instant started = Instant.now().minus(age);
        catalog.create(new NewRecording(id, "room", "https://meet.example.com/room", null, RecordingMode.FILE,
                started, null));
        catalog.markUploading(id, started.plusSeconds(60), Duration.ofSeconds(60), null);
        store.put(id + "/room.mp4", new byte[] {1, 2, 3}, "video/mp4");
        store.put(id + "/metadata.json", "{}".getBytes(), "application/json");
        catalog.markReady(id, new StoredMedia(store.describe(), id + "/room.mp4", 3, null, null));
        return id;
    }

    @Test
    void recordingsOlderThanTheRetentionAreDeletedWithTheirObjects() throws Exception {
        RecordingId old = ready("old-one", Duration.ofHours(3));
        RecordingId recent = ready("recent-one", Duration.ofMinutes(10));
        RecordingId running = RecordingId.of("old-but-recording");
        catalog.create(new NewRecording(running, "room", "https://meet.example.com/room", null, RecordingMode.FILE,
                Instant.now().minus(Duration.ofHours(5)), null));

        retention.deleteExpired();

        assertThat(catalog.find(old)).isEmpty();
        assertThat(store.list(old + "/")).isEmpty();
        assertThat(catalog.find(recent)).isPresent();
        assertThat(store.list(recent + "/")).hasSize(2);
        assertThat(catalog.find(running)).as("a recording in progress is never deleted").isPresent();
    }
}
