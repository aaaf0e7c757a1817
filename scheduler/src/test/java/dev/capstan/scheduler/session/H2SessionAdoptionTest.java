package dev.capstan.scheduler.session;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.springframework.util.FileSystemUtils;

/** Session adoption in an embedded H2 file database, Capstan's default. */
class H2SessionAdoptionTest extends SessionAdoptionContract {

    private Path directory;

    @Override
    List<String> openDatabase() throws Exception {
        directory = Files.createTempDirectory("capstan-adoption-h2");
        return List.of("jdbc:h2:file:" + directory.resolve("catalog") + ";DB_CLOSE_ON_EXIT=FALSE", "sa", "");
    }

    @Override
    void closeDatabase() throws Exception {
        FileSystemUtils.deleteRecursively(directory);
    }
}
