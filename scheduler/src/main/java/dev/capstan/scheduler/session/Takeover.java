package dev.capstan.scheduler.session;

/**
 * Why this process takes up a session it did not start: the texts its session ends with when its recorder died
 * with the process that drove it.
 */
sealed interface Takeover {

    /** The session's ending (finalizing) when its recorder was lost mid-recording. */
    String interrupted();

    /** Its failure when it was lost before it started. */
    String notStarted();

    /** An earlier process of this scheduler instance left it unfinished. */
    record Restart() implements Takeover {
        @Override
        public String interrupted() {
            return RestartPickup.INTERRUPTED;
        }

        @Override
        public String notStarted() {
            return RestartPickup.NOT_STARTED;
        }
    }

    /** Its scheduler is gone for good (its lease expired): this one adopted it. */
    record Adoption(String goneScheduler) implements Takeover {
        @Override
        public String interrupted() {
            return "interrupted: scheduler " + goneScheduler + " was gone";
        }

        @Override
        public String notStarted() {
            return "scheduler " + goneScheduler + " was gone before it started";
        }
    }
}
