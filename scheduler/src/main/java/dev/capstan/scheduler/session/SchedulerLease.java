package dev.capstan.scheduler.session;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * This scheduler's lease in the shared database: renewed every third of {@code capstan.instance.lease-term} while
 * the process runs, from construction on (so a restarted scheduler holds it again before it picks up its own
 * sessions). Once it is not renewed within its term, the others take this scheduler for gone and adopt its
 * unfinished sessions ({@link SessionAdoption}). Recorder nodes drive no sessions and hold none.
 */
@Component
@ConditionalOnExpression("'${capstan.fleet.role:standalone}' != 'node'")
class SchedulerLease implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SchedulerLease.class);

    private final LeaseTable table;
    private final String instance;
    private final Duration term;
    private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "scheduler-lease");
        thread.setDaemon(true);
        return thread;
    });
    /** {@link System#nanoTime()} until which the last renewal holds; only the renewing thread writes it. */
    private volatile long heldUntil = System.nanoTime();
    private volatile boolean failing;

    SchedulerLease(JdbcClient jdbc, ObjectMapper json, SchedulerInstance instance, InstanceProperties properties) {
        this.table = new LeaseTable(jdbc, json);
        this.instance = instance.name();
        this.term = properties.instance().leaseTerm();
        renew();
        log.info("scheduler {} holds its lease for {} s, renewed every {} ms", this.instance, term.toSeconds(),
                properties.instance().renewEvery().toMillis());
        long every = properties.instance().renewEvery().toMillis();
        renewer.scheduleWithFixedDelay(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    /** Whether this scheduler's lease is live as far as it knows: the others do not take it for gone. */
    boolean held() {
        return System.nanoTime() - heldUntil < 0;
    }

    private void renew() {
        long started = System.nanoTime();
        try {
            table.renew(instance, term);
            heldUntil = started + term.toNanos();
            if (failing) {
                failing = false;
                log.info("scheduler {}: its lease is renewed again", instance);
            }
        } catch (RuntimeException e) {
            if (!failing) {
                failing = true;
                log.warn("scheduler {}: its lease could not be renewed ({}); if it stays so for {} s, other "
                        + "schedulers adopt its sessions", instance, e.getMessage(), term.toSeconds());
            }
        }
    }

    @Override
    public void close() {
        renewer.shutdownNow();
    }
}
