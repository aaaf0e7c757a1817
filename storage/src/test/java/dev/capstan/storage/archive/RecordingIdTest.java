package dev.capstan.storage.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class RecordingIdTest {

    @ParameterizedTest
    @ValueSource(strings = {"../etc", "..", "a/b", "a\\b", "", " x", "-leading-dash", "a b", "x%2e%2e",
            "an-id-that-is-far-too-long-to-be-accepted-as-a-recording-identifier-here"})
    void rejectsIdsThatCouldLeaveTheirDirectory(String unsafe) {
        assertThatIllegalArgumentException().isThrownBy(() -> RecordingId.of(unsafe))
                .withMessageContaining("invalid recording id");
    }

    @Test
    void generatedIdsAreSafeUniqueAndSortByTime() {
        RecordingId first = RecordingId.generate();
        RecordingId second = RecordingId.generate();
        assertThat(first).isNotEqualTo(second);
        assertThat(Path.of("/recordings").resolve(first.value()).getParent()).isEqualTo(Path.of("/recordings"));
        assertThat(first.value()).matches("\\d{8}-\\d{6}-[a-z2-9]{6}");
    }
}
