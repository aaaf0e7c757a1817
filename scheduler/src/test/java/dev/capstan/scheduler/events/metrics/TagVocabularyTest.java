package dev.capstan.scheduler.events.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.slot.Failure;
import dev.capstan.scheduler.session.FailureReason;
import dev.capstan.scheduler.session.SessionFailure;
import dev.capstan.storage.archive.LossCause;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Metric tags come from small fixed vocabularies, whatever text a failure or an origin carries. */
class TagVocabularyTest {

    @Test
    void aFailureIsTaggedWithItsReasonsStableWireNameAndNeverItsText() {
        Failure unreachable = new Failure(Failure.Reason.PAGE_UNREACHABLE,
                "http://127.0.0.1:1/secret-room?jwt=eyJ is unreachable (ERR_CONNECTION_REFUSED)");
        assertThat(SessionFailure.of(unreachable).reason().wireName()).isEqualTo("page-unreachable");
        for (Failure.Reason reason : Failure.Reason.values()) {
            Failure failure = new Failure(reason, "exit 137");
            assertThat(SessionFailure.of(failure).text()).as("the recorder's own text").isEqualTo(failure.toString());
            assertThat(SessionFailure.read(failure.toString(), true))
                    .isEqualTo(new SessionFailure(FailureReason.of(reason), "exit 137", true));
        }
        assertThat(SessionFailure.read("archive: HTTP 503 SlowDown", false).reason()).isEqualTo(FailureReason.ARCHIVE);
        assertThat(SessionFailure.read("no-node: 3 nodes, all full", true).reason()).isEqualTo(FailureReason.NO_NODE);
        assertThat(SessionFailure.read("node-lost: node-2 vanished during part 1", true).reason())
                .isEqualTo(FailureReason.NODE_LOST);
        assertThat(SessionFailure.read("the scheduler restarted before it started", true).reason())
                .isEqualTo(FailureReason.OTHER);
        assertThat(SessionFailure.read("page-unreachable", true).reason()).as("a reason needs its colon")
                .isEqualTo(FailureReason.OTHER);
        assertThat(SessionFailure.read(null, true)).isEqualTo(SessionFailure.other("", true));
        assertThat(Arrays.stream(FailureReason.values()).map(FailureReason::wireName))
                .hasSize(Failure.Reason.values().length + 4)
                .contains("page-unreachable", "stream-lost", "archive", "no-node", "node-lost", "other")
                .doesNotHaveDuplicates();
        assertThat(FailureReason.ofWireName("PAGE_UNREACHABLE")).as("never the enum's name").isEmpty();
    }

    @Test
    void lostMediaIsTaggedWithItsCausesStableWireName() {
        assertThat(LossCause.wireNames()).containsExactly("encoder-died", "encoder-killed-at-stop", "recorder-failed",
                "node-lost", "recorder-restarted", "store-failed", "short-file");
        for (LossCause cause : LossCause.values()) {
            assertThat(LossCause.ofWireName(cause.wireName())).contains(cause);
        }
        assertThat(LossCause.ofWireName("ENCODER_DIED")).as("never the enum's name").isEmpty();
    }

    @Test
    void anOriginIsTaggedWithItsKindOnly() {
        assertThat(OriginKind.of("rest")).isEqualTo(OriginKind.REST);
        assertThat(OriginKind.of("xmpp:prod/10.0.0.7/capstan-3").tag()).isEqualTo("xmpp");
        assertThat(OriginKind.of("jibri-http").tag()).isEqualTo("jibri-http");
        assertThat(OriginKind.of("restless").tag()).isEqualTo("other");
        assertThat(OriginKind.of(null)).isEqualTo(OriginKind.OTHER);
    }
}
