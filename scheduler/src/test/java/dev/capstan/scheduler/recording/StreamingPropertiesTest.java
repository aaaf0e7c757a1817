package dev.capstan.scheduler.recording;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

class StreamingPropertiesTest {

    private static StreamingProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("capstan.streaming", StreamingProperties.class);
    }

    @Test
    void withoutConfigurationStreamsRunInTheSystemsTemporaryDirectoryWithJibrisRates() {
        StreamingProperties defaults = bind(Map.of());

        assertThat(defaults.workDirectory())
                .isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "capstan-live"));
        assertThat(defaults.allowList()).containsExactly(".*");
        assertThat(defaults.maxBitrateKbps()).isEqualTo(2976);
        assertThat(defaults.bufferKbits()).isEqualTo(5952);
        assertThat(defaults.reconnect().firstDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.giveUpAfter()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void aConfiguredWorkDirectoryIsKept() {
        assertThat(bind(Map.of("capstan.streaming.work-directory", "/var/lib/capstan/live")).workDirectory())
                .isEqualTo(Path.of("/var/lib/capstan/live"));
    }
}
