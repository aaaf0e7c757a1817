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

    /** Two node agents starting at once on one host sweep the same leftovers: neither may fail for it. */
    @Test
    void twoProcessesSweepingAtOnceBothGetThrough() throws Exception {
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 5; i++) {
                Path abandoned = Files.createDirectories(work.resolve("slot-" + i + "-" + round));
                Files.createFile(abandoned.resolve(".lock"));
                for (int j = 0; j < 30; j++) {
                    Files.createDirectories(abandoned.resolve("profile/Default/Session Storage/" + j));
                    Files.writeString(abandoned.resolve("profile/Default/Session Storage/" + j + "/log"), "x");
                }
            }
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            java.util.List<java.util.concurrent.CompletableFuture<?>> sweeps = new java.util.ArrayList<>();
            for (int sweeper = 0; sweeper < 4; sweeper++) {
                sweeps.add(java.util.concurrent.CompletableFuture.runAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    RuntimeDirectory.sweepStale(work);
                }));
            }
            go.countDown();
            for (java.util.concurrent.CompletableFuture<?> sweep : sweeps) {
                sweep.get(30, java.util.concurrent.TimeUnit.SECONDS);
            }
            try (java.util.stream.Stream<Path> left = Files.list(work)) {
                assertThat(left).as("round " + round).isEmpty();
            }
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
