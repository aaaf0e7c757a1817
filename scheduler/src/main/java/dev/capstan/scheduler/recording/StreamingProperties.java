package dev.capstan.scheduler.recording;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code capstan.streaming.*}: live streaming over RTMP and RTMPS, made into the stream policy and live settings
 * once, at start-up ({@code StreamingConfiguration}).
 *
 * @param allowList       regular expressions; a stream address must match one of them in full, key included
 *                        (Jibri's {@code rtmp-allow-list}). The default allows any RTMP(S) address
 * @param maxBitrateKbps  the encoder's cap while streaming (Jibri: 2976)
 * @param bufferKbits     its rate-control buffer (Jibri: 5952)
 * @param giveUpAfter     a destination that has not been live for this long is given up
 * @param stallTimeout    a destination that takes no data for this long is reconnected
 * @param workDirectory   where live streams that keep no file run (a scratch directory each); unset: the
 *                        system's temporary directory (a @DefaultValue cannot name it: placeholders stay literal)
 */
@ConfigurationProperties("capstan.streaming")
public record StreamingProperties(
        @DefaultValue(".*") List<String> allowList,
        @DefaultValue("2976") int maxBitrateKbps,
        @DefaultValue("5952") int bufferKbits,
        @DefaultValue Reconnect reconnect,
        @DefaultValue("5m") Duration giveUpAfter,
        @DefaultValue("10s") Duration stallTimeout,
        @DefaultValue("8") int maxDestinations,
        Path workDirectory) {

    public StreamingProperties {
        if (workDirectory == null) {
            workDirectory = Path.of(System.getProperty("java.io.tmpdir"), "capstan-live");
        }
    }

    /** Waits between reconnection attempts: the first, doubling up to the longest. */
    public record Reconnect(@DefaultValue("1s") Duration firstDelay, @DefaultValue("8s") Duration maxDelay) {
    }
}
