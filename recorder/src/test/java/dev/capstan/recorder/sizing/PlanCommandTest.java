package dev.capstan.recorder.sizing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code ./capstan plan} end to end, as its main method runs it, on small results.json fixtures. */
class PlanCommandTest {

    /** cost section: 0.5 cores, 800 MiB, 1000 kb/s; speakers section: +0.02 cores per participant. */
    private static final Path COST_720P = fixture("cost-720p.json");
    /** capacity section at 1080p, 2 sustained: 1.6 cores and 2000 MiB for two, 1900 and 2100 kb/s. */
    private static final Path CAPACITY_1080P = fixture("capacity-1080p.json");
    /** cost section at 1080p whose file failed the quality check (19 fps on a host at load 47). */
    private static final Path FAILED_1080P = fixture("failed-1080p.json");
    /** audio section only: audio-only steps, and one video recording's cores but no memory. */
    private static final Path AUDIO_ONLY = fixture("audio-only.json");

    record Outcome(int exit, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }
    }

    private static Outcome plan(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = PlanCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String[] with(Path results, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--results=" + results);
        all.add("--json");
        return all.toArray(String[]::new);
    }

    @Test
    void sizesEachInstanceTypeByTheScarcerOfCpuAndMemory() throws Exception {
        Outcome outcome = plan(with(COST_720P, "--meetings", "10", "--resolution", "720p",
                "--instance", "c5n.2xlarge=8:21:0.505", "--instance", "cpu-rich=64:4:1.0", "--instance", "tiny=1:2.5:0.05"));
        assertThat(outcome.exit()).as(outcome.err()).isZero();
        JsonNode json = outcome.json();

        JsonNode c5n = json.path("capstan").get(0);
        // 8 x 0.85 / 0.5 = 13.6 by CPU; (21 - 2) x 1024 / 800 = 24.3 by memory
        assertThat(c5n.path("recordingsByCpu").asInt()).isEqualTo(13);
        assertThat(c5n.path("recordingsByMemory").asInt()).isEqualTo(24);
        assertThat(c5n.path("limit").asText()).isEqualTo("cpu");
        assertThat(c5n.path("hosts").asInt()).isEqualTo(1);
        assertThat(c5n.path("pricePerMonth").asDouble()).isCloseTo(368.65, within(0.001));
        assertThat(c5n.path("pricePerRecordingHour").asDouble()).isCloseTo(0.0505, within(1e-9));
        assertThat(c5n.path("pricePerRecordingHourOnAFullHost").asDouble()).isCloseTo(0.505 / 13, within(1e-9));

        JsonNode cpuRich = json.path("capstan").get(1);
        // (4 - 2) x 1024 / 800 = 2.56: two per host, five hosts for ten
        assertThat(cpuRich.path("recordingsPerHost").asInt()).isEqualTo(2);
        assertThat(cpuRich.path("limit").asText()).isEqualTo("memory");
        assertThat(cpuRich.path("hosts").asInt()).isEqualTo(5);
        assertThat(cpuRich.path("pricePerHour").asDouble()).isCloseTo(5.0, within(1e-9));

        JsonNode tiny = json.path("capstan").get(2);
        assertThat(tiny.path("recordingsPerHost").asInt()).isZero();
        assertThat(tiny.has("hosts")).as("a type that holds no recording has no fleet").isFalse();

        // Jibri: one recording per host, on the cheapest type with 4 vCPU and 8 GiB (cpu-rich has 4 GiB, tiny 1 vCPU)
        JsonNode jibri = json.path("jibriStyle");
        assertThat(jibri.path("instance").asText()).isEqualTo("c5n.2xlarge");
        assertThat(jibri.path("hosts").asInt()).isEqualTo(10);
        assertThat(jibri.path("pricePerMonth").asDouble()).isCloseTo(3686.5, within(0.001));

        // 10 x 1000 kb/s = 10 Mb/s = 4.5 GB an hour
        assertThat(json.path("egressToS3").path("megabitsPerSecond").asDouble()).isCloseTo(10, within(1e-9));
        assertThat(json.path("egressToS3").path("gigabytesPerHour").asDouble()).isCloseTo(4.5, within(1e-9));

        JsonNode cores = json.path("figures").get(0);
        assertThat(cores.path("kind").asText()).isEqualTo("measured");
        assertThat(cores.path("field").asText()).isEqualTo("capstan.cost.steadyCores");
        assertThat(cores.path("section").asText()).isEqualTo("cost");
        assertThat(cores.path("date").asText()).isEqualTo("2026-12-07");
        assertThat(cores.path("machine").asText()).contains("Test CPU", "2 cores");
    }

    @Test
    void participantsAddTheMeasuredPerParticipantCostAndSaySo() throws Exception {
        JsonNode json = plan(with(COST_720P, "--meetings=10", "--resolution=720p", "--participants=10")).json();
        // slope of the composite's cores over speakers (tracks off): (0.58 - 0.50) / 4 = 0.02; 0.5 + 10 x 0.02 = 0.7
        assertThat(json.path("perRecording").path("cores").asDouble()).isCloseTo(0.7, within(1e-9));
        assertThat(json.path("capstan").get(0).path("recordingsByCpu").asInt()).isEqualTo(9); // 6.8 / 0.7 = 9.7
        assertThat(json.path("capstan").get(0).path("hosts").asInt()).isEqualTo(2);
        assertThat(json.path("capstan").get(1).path("instance").asText()).isEqualTo("c5n.18xlarge");
        assertThat(json.path("figures").get(3).path("section").asText()).isEqualTo("speakers");
        assertThat(json.path("assumptions").toString()).contains("NOT measured");

        JsonNode without = plan(with(CAPACITY_1080P, "--meetings=10", "--resolution=1080p", "--participants=10")).json();
        assertThat(without.path("perRecording").path("cores").asDouble()).as("no speakers section: nothing added")
                .isCloseTo(0.8, within(1e-9));
        assertThat(without.path("assumptions").toString()).contains("not modelled");
        assertThat(without.path("assumptions").toString()).as("load 3.5 on 2 cores").contains("short of CPU", "ultrafast");
        assertThat(json.path("assumptions").toString()).as("no load recorded").doesNotContain("short of CPU");
    }

    @ParameterizedTest
    @CsvSource({"ultrafast, 0.2, true", "superfast, 3.5, false"})
    void thePresetTheCostRunEncodedWithSaysWhetherItsHostWasShortOfCpu(String preset, double load, boolean warned,
            @TempDir Path temp) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode results =
                (ObjectNode) mapper.readTree(COST_720P.toFile());
        ((ObjectNode) results.path("capstan").path("cost")).put("x264Preset", preset);
        ((ObjectNode) results.path("machine")).put("loadAverage", load);
        Path file = temp.resolve("results.json");
        mapper.writeValue(file.toFile(), results);

        JsonNode json = plan(with(file, "--meetings=10", "--resolution=720p")).json();

        assertThat(json.path("assumptions").toString().contains("short of CPU")).as("%s at load %s", preset, load)
                .isEqualTo(warned);
    }

    @Test
    void usesTheFileThatMeasuredTheResolutionAndTheCapacitySectionWhenThereIsNoCostSection() throws Exception {
        Outcome outcome = plan("--meetings", "10", "--resolution", "1080p", "--results", COST_720P.toString(),
                "--results", CAPACITY_1080P.toString());
        assertThat(outcome.exit()).as(outcome.err()).isZero();
        // two sustained: 1.6 cores and 2000 MiB for two recordings; 6.8 / 0.8 = 8.5 per c5n.2xlarge
        assertThat(outcome.out()).contains("10 concurrent 1080p recordings", "per recording: 0.800 cores, 1000 MiB, 2000 kb/s",
                "capacity.steps[concurrent=2].cores / 2 (section capacity) of " + CAPACITY_1080P + ", 2026-12-08 on Test CPU,"
                        + " 2 cores, 24 GiB, load average 3.5 at the start",
                "Egress to S3: 20.00 Mb/s, 9.00 GB per hour");
        assertThat(outcome.out()).containsPattern("c5n\\.2xlarge +8 +21\\.0 8 \\(cpu-bound\\) +8 +19 +2 +1\\.010 +737\\.30 +0\\.1010 +0\\.0631");
        assertThat(outcome.out()).containsPattern("c5n\\.18xlarge +72 +192\\.0 76 \\(cpu-bound\\) +76 +194 +1 +4\\.545 +3317\\.85");
        assertThat(outcome.out()).containsPattern("Jibri-style fleet.*\\n +c5n\\.2xlarge +8 +21\\.0 1 +10 +5\\.050 +3686\\.50 +0\\.5050");
    }

    @Test
    void missingFiguresNameTheBenchRunThatMeasuresThem(@TempDir Path empty) {
        Outcome notAt1080p = plan("--meetings=10", "--resolution=1080p", "--results=" + COST_720P);
        assertThat(notAt1080p.exit()).isEqualTo(3);
        assertThat(notAt1080p.out()).isEmpty();
        assertThat(notAt1080p.err()).contains("no cores, memory, bitrate per 1080p recording",
                "./capstan bench --sections=cost --pipelines=capstan --resolution=1080p --out=target/bench-1080p");

        Outcome failed = plan("--meetings=10", "--resolution=1080p", "--results=" + FAILED_1080P);
        assertThat(failed.exit()).as("a run that dropped frames did less work than a recording should").isEqualTo(3);
        assertThat(failed.err()).contains("failed the bench's quality check",
                "./capstan bench --sections=cost --pipelines=capstan --resolution=1080p");

        Outcome noMemory = plan("--meetings=10", "--resolution=720p", "--results=" + AUDIO_ONLY);
        assertThat(noMemory.exit()).isEqualTo(3);
        assertThat(noMemory.err()).contains("no memory, bitrate per 720p recording",
                "./capstan bench --sections=cost --pipelines=capstan");

        Outcome noAudio = plan("--meetings=10", "--audio-only", "--results=" + COST_720P);
        assertThat(noAudio.exit()).isEqualTo(3);
        assertThat(noAudio.err()).contains("no audio-only cost", "./capstan bench --sections=audio");

        Outcome nothing = plan("--meetings=10", "--resolution=720p", "--results=" + empty.resolve("results.json"));
        assertThat(nothing.exit()).isEqualTo(3);
        assertThat(nothing.err()).contains("no benchmark results at", "./capstan bench --sections=cost");
    }

    @Test
    void audioOnlyTakesTheDearestPassingAudioStepAndSaysWhatItAssumed() throws Exception {
        JsonNode json = plan(with(AUDIO_ONLY, "--meetings=100", "--audio-only", "--results=" + COST_720P)).json();
        assertThat(json.path("perRecording").path("cores").asDouble()).isCloseTo(0.08, within(1e-9)); // audio 12 failed
        assertThat(json.path("capstan").get(0).path("recordingsByCpu").asInt()).isEqualTo(85); // 6.8 / 0.08
        assertThat(json.path("capstan").get(0).path("recordingsByMemory").asInt()).isEqualTo(24);
        assertThat(json.path("capstan").get(0).path("limit").asText()).isEqualTo("memory");
        assertThat(json.path("figures").get(1).path("kind").asText()).isEqualTo("assumed");
        assertThat(json.path("figures").get(2).path("why").asText()).contains("not measured");
        assertThat(json.path("egressToS3").path("megabitsPerSecond").asDouble()).isCloseTo(12.8, within(1e-9));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--meetings=0 --resolution=720p                        | --meetings must be at least 1, got 0",
            "--meetings -5 --resolution=720p                       | --meetings must be at least 1, got -5",
            "--meetings=100001 --resolution=720p                   | --meetings must be at most 100000",
            "--meetings=99999999999999 --resolution=720p           | --meetings takes a whole number",
            "--meetings=ten --resolution=720p                      | --meetings takes a whole number",
            "--resolution=720p                                     | --meetings is required",
            "--meetings=10                                         | --resolution is required",
            "--meetings=10 --resolution=4k                         | --resolution takes 720p or 1080p, got '4k'",
            "--meetings=10 --resolution                            | --resolution needs a value",
            "--meetings=10 --meetings=20 --resolution=720p         | --meetings is given twice",
            "--meetings=10 --resolution=720p --participants=0      | --participants must be at least 1",
            "--meetings=10 --resolution=720p --participants=-10    | --participants must be at least 1",
            "--meetings=10 --resolution=720p --participants=20000  | --participants must be at most 10000",
            "--meetings=10 --resolution=720p --instance=c5n        | --instance takes name=vcpus:memGiB:pricePerHour",
            "--meetings=10 --resolution=720p --instance=x=8:21     | --instance takes name=vcpus:memGiB:pricePerHour",
            "--meetings=10 --resolution=720p --instance==8:21:0.5  | --instance takes name=vcpus:memGiB:pricePerHour",
            "--meetings=10 --resolution=720p --instance=x=-8:21:0.5 | --instance x: vCPUs must be 1..1024, got -8",
            "--meetings=10 --resolution=720p --instance=x=0:21:0.5 | --instance x: vCPUs must be 1..1024, got 0",
            "--meetings=10 --resolution=720p --instance=x=8:0:0.5  | --instance x: memory must be above 0",
            "--meetings=10 --resolution=720p --instance=x=8:21:0   | --instance x: price per hour must be above 0",
            "--meetings=10 --resolution=720p --instance=x=8:21:NaN | --instance x: vCPUs must be a whole number",
            "--meetings=10 --resolution=720p --instance=x=8:21:1e3 | --instance x: vCPUs must be a whole number",
            "--meetings=10 --resolution=720p --instance=x=8:21:5000 | --instance x: price per hour must be above 0 and at most 1000",
            "--meetings=10 --resolution=720p --instance=x=8:21:0.5 --instance=x=4:8:0.2 | --instance names a machine type twice",
            "--meetings=10 --resolution=720p --seats=3             | --seats is not an option",
            "--meetings=10 --resolution=720p extra                 | extra is not an option",
    })
    void badArgumentsExitWithTwoAndNameTheArgument(String args, String message) {
        Outcome outcome = plan(args.trim().split(" +"));
        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.out()).isEmpty();
        assertThat(outcome.err()).startsWith("capstan plan: " + message).contains("usage: ./capstan plan");
    }

    @Test
    void aFileThatIsNotResultsJsonIsABadArgument(@TempDir Path dir) throws Exception {
        Path broken = Files.writeString(dir.resolve("results.json"), "{ not json");
        Outcome outcome = plan("--meetings=1", "--resolution=720p", "--results=" + broken);
        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.err()).startsWith("capstan plan: --results " + broken + " cannot be read as JSON");
    }

    @Test
    void instanceTypesComeFromAFileToo(@TempDir Path dir) throws Exception {
        Path prices = Files.writeString(dir.resolve("prices.txt"), """
                # us-east-1, on demand
                c5.xlarge=4:8:0.17

                m5.2xlarge=8:32:0.384   # general purpose
                """);
        JsonNode json = plan(with(COST_720P, "--meetings=10", "--resolution=720p", "--instances=" + prices,
                "--instance=tiny=1:2.5:0.05")).json();
        assertThat(json.path("capstan").findValuesAsText("instance")).containsExactly("c5.xlarge", "m5.2xlarge", "tiny");
        // 4 x 0.85 / 0.5 = 6.8 by CPU, (8 - 2) x 1024 / 800 = 7.7 by memory: two hosts for ten
        assertThat(json.path("capstan").get(0).path("hosts").asInt()).isEqualTo(2);
        assertThat(json.path("jibriStyle").path("instance").asText()).isEqualTo("c5.xlarge");

        Path bad = Files.writeString(dir.resolve("bad.txt"), "c5.xlarge=4:8:0.17\nm5=8:32\n");
        Outcome outcome = plan("--meetings=10", "--resolution=720p", "--instances=" + bad);
        assertThat(outcome.exit()).isEqualTo(2);
        assertThat(outcome.err()).startsWith("capstan plan: --instances " + bad + ":2: takes name=vcpus:memGiB:pricePerHour");
        Outcome none = plan("--meetings=10", "--resolution=720p", "--instances=" + dir.resolve("absent.txt"));
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.err()).startsWith("capstan plan: --instances " + dir.resolve("absent.txt") + " cannot be read");
    }

    @Test
    void helpPrintsTheUsageAndSucceeds() {
        Outcome outcome = plan("--help");
        assertThat(outcome.exit()).isZero();
        assertThat(outcome.out()).startsWith("usage: ./capstan plan");
    }

    private static Path fixture(String name) {
        try {
            return Path.of(PlanCommandTest.class.getResource("/sizing/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
