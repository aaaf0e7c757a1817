package dev.capstan.scheduler.recording;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code capstan.recording.*}: how recordings may pause ({@code POST /api/v1/recordings/{id}/pause}).
 *
 * @param maxPause a recording paused for longer than this ends (stop cause {@code paused-too-long}); its slot stays
 *                 held while it is paused, so this bounds how long a paused recording can keep one
 */
@ConfigurationProperties("capstan.recording")
public record PauseProperties(@DefaultValue("30m") Duration maxPause) {

    public PauseProperties {
        if (maxPause == null || maxPause.isNegative() || maxPause.isZero()) {
            throw new IllegalArgumentException("capstan.recording.max-pause must be positive, not " + maxPause);
        }
    }
}
