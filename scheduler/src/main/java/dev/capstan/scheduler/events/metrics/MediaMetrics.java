package dev.capstan.scheduler.events.metrics;

import dev.capstan.scheduler.archive.RecordingArchive;
import dev.capstan.storage.archive.LossCause;
import dev.capstan.storage.archive.RecordingEntry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;

/**
 * What the recordings this process settles kept, from the archive:
 * <ul>
 *   <li>{@code capstan.media.lost.seconds{cause}}: seconds of media lost, by {@link LossCause} wire name (Prometheus:
 *       {@code capstan_media_lost_seconds_total}); every cause exists at 0 before the first loss, so alerts on
 *       {@code increase()} see it. It grows by 0 for a loss of 0 s (a recorder that failed while its file holds
 *       all it captured);</li>
 *   <li>{@code capstan.media.delivered.fps}: the frame rate each settled recording delivered, as a Prometheus
 *       histogram with buckets around the profile's 30 fps.</li>
 * </ul>
 * A recording settled by another scheduler (a salvage elsewhere) is counted there, once.
 */
@Component
class MediaMetrics {

    static final String LOST = "capstan.media.lost.seconds";
    static final String DELIVERED_FPS = "capstan.media.delivered.fps";
    private static final double[] FPS_BUCKETS = {5, 10, 15, 20, 24, 25, 27, 28, 29, 29.5, 30};

    private final Map<LossCause, Counter> lost;
    private final DistributionSummary deliveredFps;

    MediaMetrics(MeterRegistry registry, RecordingArchive archive) {
        this.lost = Arrays.stream(LossCause.values()).collect(Collectors.toUnmodifiableMap(Function.identity(),
                cause -> Counter.builder(LOST).baseUnit("seconds")
                        .description("Seconds of media recordings lost, by cause").tag("cause", cause.wireName())
                        .register(registry)));
        this.deliveredFps = DistributionSummary.builder(DELIVERED_FPS)
                .description("Distinct frames per second each finished recording delivered")
                .serviceLevelObjectives(FPS_BUCKETS).register(registry);
        archive.onFinished(this::finished);
    }

    private void finished(RecordingEntry entry) {
        entry.loss().ifPresent(loss -> lost.get(loss.cause()).increment(loss.lostSeconds()));
        entry.deliveredFps().ifPresent(deliveredFps::record);
    }
}
