package dev.capstan.recorder.slot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RuntimeDirectoryTest {

    @TempDir
    Path work;

    @Test
    void sweepingRemovesOnlyWhatAKilledProcessLeft() throws Exception {
        try (RuntimeDirectory live = RuntimeDirectory.create(work, "slot-1")) {
            // What a killed JVM leaves: a slot directory whose lock nobody holds any more.
            Path abandoned = Files.createDirectories(work.resolve("slot-2-123"));
            Files.createFile(abandoned.resolve(".lock"));
            Files.createDirectories(abandoned.resolve("profile/Default"));
            Path foreign = Files.createDirectories(work.resolve("not-a-slot"));

            assertThat(RuntimeDirectory.sweepStale(work)).containsExactly(abandoned);

            assertThat(abandoned).doesNotExist();
            assertThat(live.path()).as("a running slot's directory").isDirectory();
            assertThat(foreign).as("a directory without a slot lock").isDirectory();
        }
    }

    @Test
    void closingRemovesTheDirectory() throws Exception {
        RuntimeDirectory directory = RuntimeDirectory.create(work, "slot-1");
        Files.writeString(directory.path().resolve("socket"), "x");
        directory.close();
        assertThat(directory.path()).doesNotExist();
        assertThat(directory.path().getParent()).isEqualTo(work.toAbsolutePath());
    }

    @Test
    void aMissingWorkDirectoryHasNothingToSweep() {
        assertThat(RuntimeDirectory.sweepStale(work.resolve("missing"))).isEmpty();
    }
}
