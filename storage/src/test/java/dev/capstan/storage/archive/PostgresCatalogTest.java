package dev.capstan.storage.archive;

import dev.capstan.storage.fixture.PostgresServer;
import java.util.List;

/** The catalog on a real PostgreSQL server. */
class PostgresCatalogTest extends CatalogContract {

    private PostgresServer server;

    @Override
    List<String> openDatabase() throws Exception {
        server = PostgresServer.start();
        return List.of(server.jdbcUrl(), server.username(), server.password());
    }

    @Override
    void closeDatabase() {
        if (server != null) {
            server.close();
        }
    }
}
