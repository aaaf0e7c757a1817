package dev.capstan.scheduler.events.webhook;

import java.util.Arrays;
import java.util.Optional;

/** Where one event stands with one subscriber. */
public enum DeliveryState {
    /** Not yet taken by the receiver: waiting, being sent, or waiting for its next attempt. */
    PENDING("pending"),
    /** The receiver answered 2xx. */
    DELIVERED("delivered"),
    /** Every attempt failed, or it was dropped from a full queue. */
    GIVEN_UP("given-up");

    private final String wireName;

    DeliveryState(String wireName) {
        this.wireName = wireName;
    }

    /** As in the delivery log and the API. */
    public String wireName() {
        return wireName;
    }

    public static Optional<DeliveryState> named(String wireName) {
        return Arrays.stream(values()).filter(state -> state.wireName.equals(wireName)).findFirst();
    }
}
