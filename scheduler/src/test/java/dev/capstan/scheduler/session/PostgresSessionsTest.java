package dev.capstan.scheduler.session;

/** Sessions on a real PostgreSQL server, as schedulers sharing one database use them. */
class PostgresSessionsTest extends SessionsContract {

    @Override
    MigratedDatabase.Kind database() {
        return MigratedDatabase.Kind.POSTGRESQL;
    }
}
