package dev.capstan.scheduler.recording;

import dev.capstan.recorder.live.LiveSettings;
import dev.capstan.recorder.live.StreamPolicy;
import java.util.regex.PatternSyntaxException;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** What {@code capstan.streaming.*} makes of live streams, built once: a bad allow-list fails start-up. */
@Configuration(proxyBeanMethods = false)
class StreamingConfiguration {

    @Bean
    StreamPolicy streamPolicy(StreamingProperties streaming) {
        try {
            return StreamPolicy.allowing(streaming.allowList());
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("capstan.streaming.allow-list has an invalid pattern: "
                    + e.getMessage());
        }
    }

    @Bean
    LiveSettings liveSettings(StreamingProperties streaming) {
        return new LiveSettings(streaming.maxBitrateKbps(), streaming.bufferKbits(),
                streaming.reconnect().firstDelay(), streaming.reconnect().maxDelay(), streaming.giveUpAfter(),
                streaming.stallTimeout(), streaming.maxDestinations());
    }
}
