package dev.capstan.scheduler.session;

import dev.capstan.recorder.slot.Failure;
import java.util.Arrays;
import java.util.Optional;

/**
 * Why a session failed, from a fixed vocabulary with stable wire names: the recorder's {@link Failure.Reason}s, the
 * scheduler's own kinds, and {@link #OTHER}. The wire name begins a failure's text ({@code page-unreachable: …}), is
 * stored with the session and tags the failure metric, so it never follows a Java name.
 */
public enum FailureReason {
    OUTPUT_UNWRITABLE("output-unwritable"),
    DISPLAY_FAILED("display-failed"),
    AUDIO_FAILED("audio-failed"),
    BROWSER_MISSING("browser-missing"),
    BROWSER_FAILED("browser-failed"),
    PAGE_UNREACHABLE("page-unreachable"),
    PAGE_TIMEOUT("page-timeout"),
    NOT_JOINED("not-joined"),
    CAPTURE_MISSING("capture-missing"),
    CAPTURE_FAILED("capture-failed"),
    CAPTURE_DIED("capture-died"),
    NO_MEDIA("no-media"),
    SLOT_DIED("slot-died"),
    STREAM_LOST("stream-lost"),
    /** The archive could not settle the recording. */
    ARCHIVE("archive"),
    /** No node could take it. */
    NO_NODE("no-node"),
    /** Its node vanished and no other could take it over. */
    NODE_LOST("node-lost"),
    /** Anything else; its text carries no wire name. */
    OTHER("other");

    private final String wireName;

    FailureReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The recorder's reason; a switch, so a reason added there fails the build here rather than reads as other. */
    public static FailureReason of(Failure.Reason reason) {
        return switch (reason) {
            case OUTPUT_UNWRITABLE -> OUTPUT_UNWRITABLE;
            case DISPLAY_FAILED -> DISPLAY_FAILED;
            case AUDIO_FAILED -> AUDIO_FAILED;
            case BROWSER_MISSING -> BROWSER_MISSING;
            case BROWSER_FAILED -> BROWSER_FAILED;
            case PAGE_UNREACHABLE -> PAGE_UNREACHABLE;
            case PAGE_TIMEOUT -> PAGE_TIMEOUT;
            case NOT_JOINED -> NOT_JOINED;
            case CAPTURE_MISSING -> CAPTURE_MISSING;
            case CAPTURE_FAILED -> CAPTURE_FAILED;
            case CAPTURE_DIED -> CAPTURE_DIED;
            case NO_MEDIA -> NO_MEDIA;
            case SLOT_DIED -> SLOT_DIED;
            case STREAM_LOST -> STREAM_LOST;
        };
    }

    public static Optional<FailureReason> ofWireName(String wireName) {
        return Arrays.stream(values()).filter(reason -> reason.wireName.equals(wireName)).findFirst();
    }
}
