package dev.capstan.scheduler.session;

/** Sessions in an embedded H2 file database, Capstan's default. */
class H2SessionsTest extends SessionsContract {

    @Override
    MigratedDatabase.Kind database() {
        return MigratedDatabase.Kind.H2;
    }
}
