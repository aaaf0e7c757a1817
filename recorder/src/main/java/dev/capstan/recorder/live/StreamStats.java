package dev.capstan.recorder.live;

import java.time.Instant;
import java.util.Optional;

/**
 * One destination as operators see it. The address is masked.
 *
 * @param bitrateKbps what the destination takes now, over the last few seconds
 * @param bytesSent   over all its connections
 * @param reconnects  connections made after a drop
 * @param droppedKb   data discarded because the destination could not keep up
 */
public record StreamStats(String id, String url, String state, boolean connected, double bitrateKbps,
        long bytesSent, int reconnects, long droppedKb, Instant since, Optional<Instant> nextAttempt,
        Optional<String> lastError) {
}
