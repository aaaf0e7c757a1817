package dev.capstan.recorder.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.capstan.recorder.capture.VideoProfile;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

    @Test
    void resolutionPicksTheProfileAndResultsJsonCarriesItsHeightForThePlanner() throws Exception {
        assertThat(BenchOptions.parse(new String[0]).profile()).isEqualTo(VideoProfile.HD_720P30);
        BenchOptions options = BenchOptions.parse(new String[] {"--sections=cost", "--resolution=1080p"});
        assertThat(options.profile()).isEqualTo(VideoProfile.FULL_HD_1080P30);
        // ./capstan plan reads options.profile.height to know which resolution a results.json measured
        assertThat(new ObjectMapper().valueToTree(options).path("profile").path("height").asInt()).isEqualTo(1080);
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--resolution=4k"}))
                .hasMessage("--resolution takes 720p or 1080p, got '4k'");
    }
}
