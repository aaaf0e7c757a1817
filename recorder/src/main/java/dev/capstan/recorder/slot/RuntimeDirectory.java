package dev.capstan.recorder.slot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A slot's private files (sound server socket, browser profile, temporary files), locked while the slot lives.
 * The lock dies with the process that held it, so directories left by a killed process can be told apart from
 * those of a running slot, here or in another process sharing the work directory, and swept.
 */
final class RuntimeDirectory implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RuntimeDirectory.class);
    private static final String LOCK_FILE = ".lock";

    private final Path path;
    private final FileChannel lockChannel;

    private RuntimeDirectory(Path path, FileChannel lockChannel) {
        this.path = path;
        this.lockChannel = lockChannel;
    }

    /** Creates and locks a fresh directory; absolute, because other processes resolve paths inside it. */
    static RuntimeDirectory create(Path workDirectory, String prefix) throws IOException {
        Path work = workDirectory.toAbsolutePath();
        Files.createDirectories(work);
        Path path = Files.createTempDirectory(work, prefix + "-");
        FileChannel channel = FileChannel.open(path.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        channel.lock();
        return new RuntimeDirectory(path, channel);
    }

    Path path() {
        return path;
    }

    /** Removes directories in {@code workDirectory} whose slot is gone (their lock is free); returns them. */
    static List<Path> sweepStale(Path workDirectory) {
        if (!Files.isDirectory(workDirectory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(workDirectory)) {
            List<Path> stale = entries.filter(Files::isDirectory).filter(RuntimeDirectory::isAbandoned).toList();
            stale.forEach(RuntimeDirectory::deleteRecursively);
            return stale;
        } catch (IOException e) {
            log.warn("could not sweep {}: {}", workDirectory, e.toString());
            return List.of();
        }
    }

    private static boolean isAbandoned(Path directory) {
        Path lockFile = directory.resolve(LOCK_FILE);
        if (!Files.exists(lockFile)) {
            return false; // not ours, or still being created
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return false;
            }
            lock.release();
            return true;
        } catch (OverlappingFileLockException e) {
            return false; // held by a slot of this very process
        } catch (IOException e) {
            return false;
        }
    }

    private static void deleteRecursively(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // Another process on this host may sweep the same abandoned directory at the same moment.
            log.warn("could not remove {}: {}", directory, e.toString());
        }
    }

    /** Unlocks and removes the directory with everything in it. */
    @Override
    public void close() {
        try {
            lockChannel.close();
        } catch (IOException e) {
            log.debug("closing the lock of {}: {}", path, e.toString());
        }
        deleteRecursively(path);
    }
}
