package dev.capstan.scheduler.session;

/** Session adoption in an embedded H2 file database, Capstan's default. */
class H2SessionAdoptionTest extends SessionAdoptionContract {

    @Override
    MigratedDatabase.Kind database() {
        return MigratedDatabase.Kind.H2;
    }
}
