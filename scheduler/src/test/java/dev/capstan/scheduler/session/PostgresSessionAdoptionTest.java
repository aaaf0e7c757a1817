package dev.capstan.scheduler.session;

/** Session adoption on a real PostgreSQL server, as schedulers sharing one database adopt. */
class PostgresSessionAdoptionTest extends SessionAdoptionContract {

    @Override
    MigratedDatabase.Kind database() {
        return MigratedDatabase.Kind.POSTGRESQL;
    }
}
