package dev.capstan.recorder.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.capstan.recorder.browser.WebPage;
import dev.capstan.recorder.slot.Recording;
import dev.capstan.recorder.slot.RecordingRequest;
import dev.capstan.recorder.slot.SlotConfig;
import dev.capstan.storage.archive.RecordingId;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue over a real pool of two slots that are never warmed (nothing here starts a browser), so every request
 * waits: order, positions, deadlines, a full queue, cancelling, a caller that cannot wait, and shutting down.
 */
class AdmissionQueueTest {

    private static final int MAX_LENGTH = 3;

    @TempDir
    Path temp;

    private final NodeConfig config = NodeConfig.defaults(SlotConfig.defaults());
    private final SlotPool pool = new SlotPool(config, 2, () -> { });
    private final LoadMonitor monitor = new LoadMonitor(2, config);
    private final AtomicInteger turns = new AtomicInteger();
    private final AdmissionQueue queue = new AdmissionQueue(MAX_LENGTH, pool, monitor, new Admission(2, config),
            () -> { }, turns::incrementAndGet);

    @AfterEach
    void closePool() {
        pool.close();
    }

    private CompletableFuture<Recording> ask(String id, Duration maxWait) {
        RecordingRequest request = RecordingRequest.of(RecordingId.of(id), new WebPage(URI.create("http://localhost/")),
                temp.resolve(id));
        return queue.record(request, event -> { }, maxWait);
    }

    private static NodeBusyException refusal(CompletableFuture<Recording> started) {
        assertThat(started).isCompletedExceptionally();
        return started.handle((recording, failure) -> (NodeBusyException) failure).join();
    }

    @Test
    void aCallerThatCannotWaitHearsAtOnceWhyNothingCanStart() {
        NodeBusyException busy = refusal(ask("now", Duration.ZERO));
        assertThat(busy.reason()).isEqualTo(BusyReason.NO_IDLE_SLOT);
        assertThat(busy.getMessage()).contains("every slot is recording or warming up");
        assertThat(queue.line().waiting()).isEmpty();
        assertThat(queue.line().busy()).hasValueSatisfying(hold ->
                assertThat(hold.reason()).isEqualTo(BusyReason.NO_IDLE_SLOT));
        assertThat(turns).as("holding from the start is no turn").hasValue(0);
    }

    @Test
    void requestsWaitInOrderAndEachIsRefusedWhenItsOwnWaitRunsOut() throws Exception {
        CompletableFuture<Recording> brief = ask("brief", Duration.ofMillis(200));
        CompletableFuture<Recording> patient = ask("patient", Duration.ofMinutes(1));
        assertThat(queue.line().waiting()).extracting(NodeStatus.Waiting::id, NodeStatus.Waiting::position)
                .containsExactly(tuple("brief", 1),
                        tuple("patient", 2));
        assertThat(queue.line().waiting().get(1).left()).isGreaterThan(Duration.ofSeconds(50));

        NodeBusyException impatient = refusal(ask("impatient", Duration.ZERO));
        assertThat(impatient.reason()).isEqualTo(BusyReason.NO_IDLE_SLOT);
        assertThat(impatient.getMessage()).contains("2 requests are already waiting");

        queue.dispatch();
        assertThat(brief).as("its wait has not run out yet").isNotDone();
        Thread.sleep(250);
        queue.dispatch();
        NodeBusyException timedOut = refusal(brief);
        assertThat(timedOut.reason()).isEqualTo(BusyReason.QUEUE_TIMEOUT);
        assertThat(timedOut.getMessage()).contains("waited too long; NO_IDLE_SLOT");
        assertThat(patient).isNotDone();
        assertThat(queue.line().waiting()).extracting(NodeStatus.Waiting::id, NodeStatus.Waiting::position)
                .containsExactly(tuple("patient", 1));
    }

    @Test
    void aFullQueueRefusesAndACancelledRequestMakesRoom() {
        CompletableFuture<Recording> first = ask("first", Duration.ofMinutes(1));
        CompletableFuture<Recording> second = ask("second", Duration.ofMinutes(1));
        ask("third", Duration.ofMinutes(1));
        NodeBusyException full = refusal(ask("fourth", Duration.ofMinutes(1)));
        assertThat(full.reason()).isEqualTo(BusyReason.QUEUE_FULL);

        second.cancel(false);
        assertThat(queue.line().waiting()).extracting(NodeStatus.Waiting::id).containsExactly("first", "third");
        assertThat(ask("fifth", Duration.ofMinutes(1))).isNotDone();
        assertThat(queue.line().waiting()).extracting(NodeStatus.Waiting::id)
                .containsExactly("first", "third", "fifth");
        assertThat(first).isNotDone();
    }

    @Test
    void closingEndsTheWaitingRequestsAndRefusesNewOnes() {
        CompletableFuture<Recording> waiting = ask("waiting", Duration.ofMinutes(1));
        assertThat(queue.close()).isTrue();
        assertThat(refusal(waiting).reason()).isEqualTo(BusyReason.SHUT_DOWN);
        assertThat(refusal(ask("late", Duration.ofMinutes(1))).reason()).isEqualTo(BusyReason.SHUT_DOWN);
        assertThat(queue.line().waiting()).isEmpty();
        assertThat(queue.close()).as("once is enough").isFalse();
    }
}
