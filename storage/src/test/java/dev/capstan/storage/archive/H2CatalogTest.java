package dev.capstan.storage.archive;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The catalog on an H2 file database, as a single node runs it without PostgreSQL. */
class H2CatalogTest extends CatalogContract {

    private Path dir;

    @Override
    List<String> openDatabase() throws Exception {
        dir = Files.createTempDirectory("capstan-h2-");
        return List.of("jdbc:h2:file:" + dir.resolve("catalog"), "sa", "");
    }

    @Override
    void closeDatabase() throws Exception {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }
}
