package dev.capstan.scheduler.events.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.capstan.recorder.slot.Failure;
import dev.capstan.storage.archive.LossCause;
import org.junit.jupiter.api.Test;

/** Metric tags come from small fixed vocabularies, whatever text a failure or an origin carries. */
class TagVocabularyTest {

    @Test
    void aFailureIsTaggedWithItsRecorderReasonAndNeverItsText() {
        Failure unreachable = new Failure(Failure.Reason.PAGE_UNREACHABLE,
                "http://127.0.0.1:1/secret-room?jwt=eyJ is unreachable (ERR_CONNECTION_REFUSED)");
        assertThat(FailureKind.of(unreachable.toString())).isEqualTo("page-unreachable");
        assertThat(FailureKind.of(new Failure(Failure.Reason.CAPTURE_DIED, "exit 137").toString()))
                .isEqualTo("capture-died");
        assertThat(FailureKind.of("archive: HTTP 503 SlowDown")).isEqualTo("archive");
        assertThat(FailureKind.of("no-node: 3 nodes, all full")).isEqualTo("no-node");
        assertThat(FailureKind.of("node-lost: node-2 vanished during part 1")).isEqualTo("node-lost");
        assertThat(FailureKind.of("the scheduler restarted before it started")).isEqualTo("other");
        assertThat(FailureKind.of("page-unreachable")).as("a reason needs its colon").isEqualTo("other");
        assertThat(FailureKind.of(null)).isEqualTo("other");
        assertThat(FailureKind.ALL).hasSize(Failure.Reason.values().length + 4)
                .contains("page-unreachable", "stream-lost", "archive", "other").doesNotHaveDuplicates();
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
