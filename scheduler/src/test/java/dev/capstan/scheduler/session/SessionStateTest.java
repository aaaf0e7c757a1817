package dev.capstan.scheduler.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The life cycle's transitions: every pair of states, allowed or not, as the architecture draws it. */
class SessionStateTest {

    private static final Instant T = Instant.parse("2025-06-01T10:00:00Z");

    /** Every state, one of each. */
    private static final Map<String, SessionState> STATES = Map.of(
            "requested", new SessionState.Requested(T),
            "starting", new SessionState.Starting(T),
            "pending", new SessionState.Pending(T),
            "on", new SessionState.On(T),
            "paused", new SessionState.Paused(T, Duration.ofMillis(7_520)),
            "stopping", new SessionState.Stopping(T),
            "finalizing", new SessionState.Finalizing(T, "stopped by the requester"),
            "done", new SessionState.Done(T),
            "failed", new SessionState.Failed(T,
                    new SessionFailure(FailureReason.BROWSER_FAILED, "the browser crashed", true)));

    /** The allowed moves; any pair not listed is refused. */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "requested", Set.of("starting", "pending", "stopping", "failed"),
            "starting", Set.of("pending", "stopping", "failed"),
            // -> starting: the failover edge, the session moves to another node after a fault.
            "pending", Set.of("on", "stopping", "finalizing", "starting", "failed"),
            "on", Set.of("paused", "stopping", "finalizing", "starting", "failed"),
            // -> on: resumed; -> stopping: stopped while paused; -> finalizing: paused too long.
            "paused", Set.of("on", "stopping", "finalizing", "starting", "failed"),
            "stopping", Set.of("finalizing", "failed"),
            "finalizing", Set.of("done", "failed"),
            "done", Set.of(),
            "failed", Set.of());

    static Stream<Arguments> everyPair() {
        List<Arguments> pairs = new ArrayList<>();
        for (String from : SessionState.NAMES) {
            for (String to : SessionState.NAMES) {
                pairs.add(Arguments.of(from, to, ALLOWED.get(from).contains(to)));
            }
        }
        return pairs.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}: {2}")
    @MethodSource("everyPair")
    void onlyTheLifeCyclesMovesAreAllowed(String from, String to, boolean allowed) {
        assertThat(STATES.get(from).canMoveTo(STATES.get(to))).isEqualTo(allowed);
    }

    @Test
    void theTableCoversEveryState() {
        assertThat(STATES.keySet()).containsExactlyInAnyOrderElementsOf(SessionState.NAMES);
        assertThat(ALLOWED.keySet()).containsExactlyInAnyOrderElementsOf(SessionState.NAMES);
        STATES.forEach((name, state) -> assertThat(state.name()).isEqualTo(name));
    }

    @Test
    void onlyDoneAndFailedAreFinal() {
        STATES.forEach((name, state) -> assertThat(state.isFinal()).as(name)
                .isEqualTo(name.equals("done") || name.equals("failed")));
    }

    @Test
    void aStoredStateReadsBackAsItWas() {
        for (SessionState state : STATES.values()) {
            boolean retryable = state instanceof SessionState.Failed failed && failed.retryable();
            Optional<String> reason = state instanceof SessionState.Failed failed
                    ? Optional.of(failed.failure().reason().wireName()) : Optional.empty();
            String detail = state instanceof SessionState.Failed failed ? failed.failure().detail() : state.detail();
            assertThat(SessionState.of(state.name(), state.since(), detail, reason, retryable, state.pausedAt()))
                    .isEqualTo(state);
        }
        assertThat(new SessionState.Failed(T, SessionFailure.other("busy", false)).detail()).isEqualTo("busy");
        assertThat(STATES.get("failed").detail()).isEqualTo("browser-failed: the browser crashed");
        assertThat(new SessionState.On(T).detail()).isNull();
    }

    @Test
    void aStoredFailureTextReadsBackAsItsTypedReason() {
        // A row stores the reason by its wire name; one this version does not know reads as other.
        assertThat(SessionState.of("failed", T, "exit 137", Optional.of("capture-died"), true)).isEqualTo(
                new SessionState.Failed(T, new SessionFailure(FailureReason.CAPTURE_DIED, "exit 137", true)));
        assertThat(((SessionState.Failed) SessionState.of("failed", T, "exit 137", Optional.of("quantum-flux"), true))
                .failure().reason())
                .isEqualTo(FailureReason.OTHER);
        // Rows written before V9 hold only the text; their reasons are its wire-name prefix.
        assertThat(SessionState.of("failed", T, "archive: HTTP 503 SlowDown", Optional.empty(), false)).isEqualTo(
                new SessionState.Failed(T, SessionFailure.archive("HTTP 503 SlowDown")));
        assertThat(SessionState.of("failed", T, "no-node: no node can take it now", Optional.empty(), true)).isEqualTo(
                new SessionState.Failed(T, new SessionFailure(FailureReason.NO_NODE, "no node can take it now", true)));
        assertThat(SessionState.of("failed", T, "the scheduler restarted before it started", Optional.empty(), true)).isEqualTo(
                new SessionState.Failed(T, SessionFailure.other("the scheduler restarted before it started", true)));
        assertThat(SessionState.of("failed", T, null, Optional.empty(), false).detail()).isEmpty();
    }

    @Test
    void everyStateHasItsOwnStableName() {
        assertThat(SessionState.NAMES).containsExactly("requested", "starting", "pending", "on", "paused",
                "stopping", "finalizing", "done", "failed");
        for (SessionState.Status status : SessionState.Status.values()) {
            assertThat(SessionState.Status.ofWireName(status.wireName())).contains(status);
        }
        assertThat(SessionState.Status.ofWireName("FAILED")).as("never the enum's name").isEmpty();
    }

    @Test
    void anUnknownStoredStateIsNamedInTheError() {
        assertThatThrownBy(() -> SessionState.of("suspended", T, null, Optional.empty(), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'suspended'");
    }

    @Test
    void aPausedStateKeepsWhereTheMediaStandsAndNothingElse() {
        SessionState paused = STATES.get("paused");
        assertThat(paused.pausedAt()).contains(Duration.ofMillis(7_520));
        assertThat(paused.detail()).isNull();
        assertThat(paused.isFinal()).isFalse();
        STATES.values().stream().filter(state -> state != paused)
                .forEach(state -> assertThat(state.pausedAt()).as(state.name()).isEmpty());
        assertThatThrownBy(() -> new SessionState.Paused(T, Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
