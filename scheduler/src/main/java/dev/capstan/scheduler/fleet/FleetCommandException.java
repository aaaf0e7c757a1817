package dev.capstan.scheduler.fleet;

/**
 * A command another occupant refused or never answered.
 *
 * @param condition the XMPP error condition ({@code service-unavailable}: the node cannot take it now), or
 *                  {@code timeout} / {@code not-connected}
 */
public final class FleetCommandException extends Exception {

    private final String condition;

    public FleetCommandException(String condition, String message) {
        super(message);
        this.condition = condition;
    }

    public String condition() {
        return condition;
    }

    /** The node is there but cannot take it (busy, draining): another node may. */
    public boolean refused() {
        return condition.equals("service-unavailable");
    }
}
