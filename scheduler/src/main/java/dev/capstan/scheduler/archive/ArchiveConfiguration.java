package dev.capstan.scheduler.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.capture.FfmpegBinary;
import dev.capstan.recorder.process.MissingExecutableException;
import dev.capstan.scheduler.pool.FleetProperties;
import dev.capstan.scheduler.pool.RecorderProperties;
import dev.capstan.storage.archive.Catalog;
import dev.capstan.storage.archive.CatalogConfiguration;
import dev.capstan.storage.blob.BlobStore;
import dev.capstan.storage.blob.LocalBlobStore;
import dev.capstan.storage.blob.S3BlobStore;
import dev.capstan.storage.blob.S3Settings;
import dev.capstan.storage.blob.Secret;
import dev.capstan.storage.spool.Spool;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** The archive: the store chosen in {@code capstan.archive.store}, the catalog, and the spool between them. */
@Configuration(proxyBeanMethods = false)
@Import(CatalogConfiguration.class)
class ArchiveConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ArchiveConfiguration.class);

    @Bean(destroyMethod = "close")
    BlobStore blobStore(ArchiveProperties archive) throws IOException {
        BlobStore store = switch (archive.store()) {
            case LOCAL -> new LocalBlobStore(archive.local().root().toAbsolutePath());
            case S3 -> s3(archive.s3());
        };
        log.info("recordings are stored in {}", store.describe());
        return store;
    }

    private static BlobStore s3(ArchiveProperties.S3 s3) throws IOException {
        if (s3.bucket() == null || s3.bucket().isBlank()) {
            throw new IllegalStateException("capstan.archive.store=s3 needs capstan.archive.s3.bucket");
        }
        S3BlobStore store = S3BlobStore.create(new S3Settings(Optional.ofNullable(s3.endpoint()), s3.region(),
                s3.bucket(), s3.prefix(), s3.pathStyle(), secret(s3.accessKey()), secret(s3.secretKey()),
                S3Settings.Timeouts.DEFAULT));
        if (s3.createBucket()) {
            store.ensureBucket();
        }
        return store;
    }

    private static Optional<Secret> secret(String value) {
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(Secret.of(value));
    }

    @Bean(destroyMethod = "close")
    RecordingArchive recordingArchive(ArchiveProperties archive, Catalog catalog, BlobStore store,
            RecorderProperties recorder, FleetProperties fleet, ObjectMapper json) throws IOException {
        RecordingArchive recordingArchive = new RecordingArchive(catalog, store,
                () -> {
                    try {
                        return FfmpegBinary.resolve(Optional.ofNullable(recorder.ffmpeg()));
                    } catch (MissingExecutableException e) {
                        throw new IllegalStateException(e.getMessage(), e);
                    }
                },
                new FinalizeCommand(archive.finalizeScript().command(), archive.finalizeScript().timeout()), json);
        Spool.Settings defaults = Spool.Settings.defaults();
        recordingArchive.open(archive.spool().toAbsolutePath(), new Spool.Settings(defaults.scanInterval(),
                archive.partSize().toBytes(), defaults.firstRetry(), defaults.longestRetry(), defaults.threads()),
                // In a fleet every node and scheduler shares the catalog, whatever the setting says.
                archive.sharedCatalog() || fleet.role() != FleetProperties.Role.STANDALONE);
        return recordingArchive;
    }

}
