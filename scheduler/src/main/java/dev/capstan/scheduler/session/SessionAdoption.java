package dev.capstan.scheduler.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Adopts the sessions of schedulers that are gone for good: every {@code capstan.instance.adoption-interval}, the
 * unfinished sessions whose scheduler's lease has expired are claimed in the database (one conditional update per
 * session, so two surviving schedulers never both adopt one) and taken up as a restarted scheduler takes up its
 * own ({@link SessionTakeover}): one on a fleet node is followed again where it records, one on the gone
 * scheduler's embedded node is finished from what reached the store. Sessions of schedulers that never held a
 * lease (filed before leases existed) are adopted too once this scheduler has run for
 * {@code capstan.instance.unleased-grace}. A scheduler that comes back under a gone one's name finds only what it
 * still owns ({@link RestartPickup}).
 */
@Component
@ConditionalOnExpression("'${capstan.fleet.role:standalone}' != 'node'")
class SessionAdoption implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SessionAdoption.class);

    private final Sessions sessions;
    private final LeaseTable table;
    private final SchedulerLease lease;
    private final SessionTakeover takeover;
    private final ApplicationEventPublisher events;
    private final InstanceProperties.Lease properties;
    private final long startedAt = System.nanoTime();
    private final ScheduledExecutorService adopter = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "session-adoption");
        thread.setDaemon(true);
        return thread;
    });

    SessionAdoption(Sessions sessions, JdbcClient jdbc, ObjectMapper json, SchedulerLease lease,
            SessionTakeover takeover, ApplicationEventPublisher events, InstanceProperties properties) {
        this.sessions = sessions;
        this.table = new LeaseTable(jdbc, json);
        this.lease = lease;
        this.takeover = takeover;
        this.events = events;
        this.properties = properties.instance();
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        long every = properties.adoptionInterval().toMillis();
        adopter.scheduleWithFixedDelay(this::adoptSafely, every, every, TimeUnit.MILLISECONDS);
    }

    private void adoptSafely() {
        try {
            adopt();
        } catch (RuntimeException e) {
            log.warn("scheduler {}: looking for sessions of gone schedulers failed: {}", sessions.instance(),
                    e.getMessage());
        }
    }

    /** One look for orphaned sessions, claiming and taking up each. */
    void adopt() {
        if (!lease.held()) {
            // Its own lease lapsing, this scheduler may be the one the others take for gone.
            return;
        }
        boolean unleased = Duration.ofNanos(System.nanoTime() - startedAt).compareTo(properties.unleasedGrace()) >= 0;
        List<LeaseTable.Orphan> orphans = table.orphans(sessions.instance(), unleased);
        for (LeaseTable.Orphan orphan : orphans) {
            Session session = orphan.session();
            String gone = session.owner();
            long version = session.version();
            if (!table.claim(session.recordingId(), gone, version, sessions.instance())
                    || !sessions.drive(session, version + 1)) {
                continue;
            }
            log.info("{}: adopted by {} from scheduler {}, gone since {}", session, sessions.instance(), gone,
                    orphan.renewedAt().map(renewed -> renewed + " (its lease expired "
                            + Duration.between(orphan.expiredAt().orElse(renewed), Instant.now()).toMillis()
                            + " ms ago)").orElse("an unknown time (it never held a lease)"));
            events.publishEvent(new SessionAdopted(session, gone, orphan.renewedAt()));
            try {
                takeover.takeUp(session, new Takeover.Adoption(gone));
            } catch (RuntimeException e) {
                log.error("{}: adopted from scheduler {} but could not be taken up", session, gone, e);
            }
        }
    }

    @Override
    public void close() {
        adopter.shutdownNow();
    }
}
