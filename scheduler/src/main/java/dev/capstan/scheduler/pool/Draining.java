package dev.capstan.scheduler.pool;

/** Whether this host's node has stopped taking new recordings (a fleet node being drained). */
public interface Draining {

    boolean isDraining();
}
