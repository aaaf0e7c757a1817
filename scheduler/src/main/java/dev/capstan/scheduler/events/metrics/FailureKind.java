package dev.capstan.scheduler.events.metrics;

import dev.capstan.recorder.slot.Failure;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Why a session failed, as a metric tag from a fixed vocabulary: the recorder's {@link Failure.Reason} as the session
 * shows it ({@code page-unreachable}), the scheduler's own kinds ({@code archive}: the archive could not settle the
 * recording; {@code no-node}: no node could take it; {@code node-lost}: its node vanished and no other could take
 * it over), and {@code other}. A reason is of a kind when it begins with the kind and a colon, as
 * {@link Failure#toString()} writes it. Never the reason's text: it carries addresses and error messages, and every
 * distinct text would be a new series.
 */
final class FailureKind {

    static final String ARCHIVE = "archive";
    static final String NO_NODE = "no-node";
    static final String NODE_LOST = "node-lost";
    static final String OTHER = "other";

    /** Every tag value, so each series exists (at 0) before its first failure and alerts on increase() see it. */
    static final List<String> ALL;

    static {
        List<String> all = new ArrayList<>(Arrays.stream(Failure.Reason.values()).map(FailureKind::tag).toList());
        all.addAll(List.of(ARCHIVE, NO_NODE, NODE_LOST, OTHER));
        ALL = List.copyOf(all);
    }

    private FailureKind() {
    }

    /** A session's failure reason, e.g. {@code page-unreachable: http://… is unreachable (…)}, to its tag. */
    static String of(String reason) {
        if (reason == null) {
            return OTHER;
        }
        for (String kind : ALL) {
            if (reason.startsWith(kind + ":")) {
                return kind;
            }
        }
        return OTHER;
    }

    /** The reason as {@link Failure#toString()} begins: {@code PAGE_UNREACHABLE} is {@code page-unreachable}. */
    private static String tag(Failure.Reason reason) {
        return reason.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
