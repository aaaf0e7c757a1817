package dev.capstan.scheduler.session;

import com.zaxxer.hikari.HikariDataSource;
import dev.capstan.storage.fixture.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.util.FileSystemUtils;

/** A fresh database of a kind Capstan supports, migrated as a scheduler migrates it at start-up. */
final class MigratedDatabase implements AutoCloseable {

    enum Kind {
        /** An embedded H2 file database, Capstan's default. */
        H2,
        /** A real PostgreSQL server, as schedulers sharing one database use. */
        POSTGRESQL
    }

    private final HikariDataSource dataSource = new HikariDataSource();
    private final AutoCloseable removal;

    private MigratedDatabase(String url, String username, String password, AutoCloseable removal) {
        this.removal = removal;
        dataSource.setJdbcUrl(url);
        dataSource.setUsername(username);
        dataSource.setPassword(password);
        dataSource.setMaximumPoolSize(8);
        Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
    }

    static MigratedDatabase open(Kind kind) throws Exception {
        if (kind == Kind.POSTGRESQL) {
            PostgresServer server = PostgresServer.start();
            return new MigratedDatabase(server.jdbcUrl(), server.username(), server.password(), server);
        }
        Path directory = Files.createTempDirectory("capstan-sessions-h2");
        return new MigratedDatabase("jdbc:h2:file:" + directory.resolve("catalog") + ";DB_CLOSE_ON_EXIT=FALSE", "sa",
                "", () -> FileSystemUtils.deleteRecursively(directory));
    }

    JdbcClient jdbc() {
        return JdbcClient.create(dataSource);
    }

    @Override
    public void close() throws Exception {
        try {
            dataSource.close();
        } finally {
            removal.close();
        }
    }
}
