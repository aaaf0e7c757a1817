package dev.capstan.scheduler.session;

import dev.capstan.storage.fixture.PostgresServer;
import java.util.List;

/** Session adoption on a real PostgreSQL server, as schedulers sharing one database adopt. */
class PostgresSessionAdoptionTest extends SessionAdoptionContract {

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
