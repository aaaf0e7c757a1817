package dev.capstan.scheduler.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertAll;

import dev.capstan.scheduler.docker.DeploymentFiles.Container;
import dev.capstan.scheduler.docker.DeploymentFiles.Dockerfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.springframework.boot.convert.DurationStyle;

/**
 * The deployment files under {@code docker/} checked against the application they deploy, starting nothing: a
 * variable that binds to no property, a port or health path the app does not serve, a metric the app does not export
 * or an image without the packages {@code ./capstan} installs would each only show once deployed.
 */
class DeploymentFilesTest {

    private static final DeploymentFiles FILES = DeploymentFiles.at(DeploymentFiles.repositoryRoot());

    @Test
    void everyCapstanAndSpringVariableSetForTheAppBindsToARealProperty() {
        List<Container> containers = FILES.appContainers();
        assertThat(containers).extracting(Container::where).contains(
                "compose capstan-scheduler", "compose capstan-node",
                "k8s Deployment capstan-scheduler/scheduler", "k8s Deployment capstan-node/node",
                "docker/Dockerfile --target standalone", "docker/Dockerfile --target node",
                "docker/Dockerfile --target scheduler");

        List<String> unbound = new ArrayList<>();
        for (Container container : containers) {
            for (String variable : PropertyBinding.unbound(container.environment())) {
                unbound.add(container.where() + ": " + variable);
            }
        }
        assertThat(unbound).as("variables that set no property of the app (Spring ignores a misspelt one), or that "
                + "it would refuse").isEmpty();
    }

    @Test
    void fleetContainersTakeTheirRoleAndPoolSettings() {
        for (Container container : FILES.appContainers()) {
            Map<String, String> env = container.environment();
            String role = env.getOrDefault("CAPSTAN_FLEET_ROLE", "standalone");
            if (role.equals("standalone") || container.where().startsWith("docker/")) {
                // A bare image: the deployment that runs it brings the pool, database and store.
                continue;
            }
            assertThat(env.keySet()).as(container.where()).contains("CAPSTAN_FLEET_XMPP_HOST", "CAPSTAN_FLEET_XMPP_DOMAIN",
                    "CAPSTAN_FLEET_XMPP_USERNAME", "CAPSTAN_FLEET_XMPP_PASSWORD", "CAPSTAN_FLEET_XMPP_ROOM",
                    "SPRING_DATASOURCE_URL", "CAPSTAN_ARCHIVE_STORE");
            assertThat(env.get("SPRING_DATASOURCE_URL")).as(container.where() + ": the shared catalog")
                    .startsWith("jdbc:postgresql:");
            assertThat(env.get("CAPSTAN_ARCHIVE_STORE")).as(container.where() + ": the shared store").isEqualTo("s3");
            if (role.equals("node")) {
                assertThat(env).as(container.where() + ": a node runs the node profile (port, no HTTP API)")
                        .containsEntry("SPRING_PROFILES_ACTIVE", "node");
            }
        }
    }

    /**
     * Jicofo's brewery has one occupant per local slot, and a fleet scheduler keeps none: brewery settings on a
     * scheduler would join nothing, and nodes without them would never get a recording started from a meeting.
     */
    @Test
    void theNodesJoinJicofosBreweryAndTheSchedulersDoNot() {
        List<String> brewery = List.of("CAPSTAN_JIBRI_ENVIRONMENTS_0_NAME",
                "CAPSTAN_JIBRI_ENVIRONMENTS_0_XMPP_SERVER_HOSTS", "CAPSTAN_JIBRI_ENVIRONMENTS_0_XMPP_DOMAIN",
                "CAPSTAN_JIBRI_ENVIRONMENTS_0_CONTROL_LOGIN_DOMAIN", "CAPSTAN_JIBRI_ENVIRONMENTS_0_CONTROL_LOGIN_USERNAME",
                "CAPSTAN_JIBRI_ENVIRONMENTS_0_CONTROL_LOGIN_PASSWORD", "CAPSTAN_JIBRI_ENVIRONMENTS_0_CONTROL_MUC_DOMAIN",
                "CAPSTAN_JIBRI_ENVIRONMENTS_0_CONTROL_MUC_ROOM_NAME", "CAPSTAN_JIBRI_ENVIRONMENTS_0_CALL_LOGIN_DOMAIN",
                "CAPSTAN_JIBRI_ENVIRONMENTS_0_CALL_LOGIN_USERNAME", "CAPSTAN_JIBRI_ENVIRONMENTS_0_CALL_LOGIN_PASSWORD");
        List<String> schedulers = new ArrayList<>();
        List<String> nodes = new ArrayList<>();
        for (Container container : FILES.appContainers()) {
            if (container.where().startsWith("docker/")) {
                continue; // a bare image: the deployment brings the brewery
            }
            Map<String, String> env = container.environment();
            String role = env.getOrDefault("CAPSTAN_FLEET_ROLE", "standalone");
            if (role.equals("scheduler")) {
                schedulers.add(container.where());
                assertThat(env.keySet().stream().filter(name -> name.startsWith("CAPSTAN_JIBRI_")))
                        .as(container.where() + ": a scheduler keeps no slots, so it has no brewery occupants")
                        .isEmpty();
            } else if (role.equals("node")) {
                nodes.add(container.where());
                assertThat(env.keySet()).as(container.where() + ": a node joins the brewery with its slots")
                        .containsAll(brewery);
                // Occupants are <nickname>-<slot>: a nickname shared by replicas would make them take each other's
                // seats. Unset means the host name (the container id, the pod name); in Kubernetes it is the pod's.
                String nickname = env.get("CAPSTAN_JIBRI_ENVIRONMENTS_0_CONTROL_MUC_NICKNAME");
                if (container.where().startsWith("compose ")) {
                    assertThat(nickname).as(container.where() + ": replicas share this file; leave the nickname to "
                            + "the host name").isNull();
                } else {
                    assertThat(nickname).as(container.where() + ": the brewery nickname, per pod")
                            .contains("fieldPath=metadata.name");
                    assertThat(env.get("CAPSTAN_JIBRI_ENVIRONMENTS_0_CONTROL_LOGIN_PASSWORD"))
                            .as(container.where() + ": from the Secret").contains("secretKeyRef");
                    assertThat(env.get("CAPSTAN_JIBRI_ENVIRONMENTS_0_CALL_LOGIN_PASSWORD"))
                            .as(container.where() + ": from the Secret").contains("secretKeyRef");
                }
            }
        }
        assertThat(schedulers).containsExactlyInAnyOrder("compose capstan-scheduler",
                "k8s Deployment capstan-scheduler/scheduler");
        assertThat(nodes).containsExactlyInAnyOrder("compose capstan-node", "k8s Deployment capstan-node/node");
    }

    @Test
    void recordingImagesInstallWhatTheLauncherInstallsAndTheSchedulerImageNoBrowser() throws Exception {
        List<String> runtime = launcherPackages("runtime");
        assertThat(runtime).contains("chromium", "chromium-driver", "xvfb", "pulseaudio");

        List<String> image = FILES.packageList("image");
        assertThat(image).contains("openjdk-17-jre-headless", "tini", "curl");

        Dockerfile node = FILES.target("node");
        Dockerfile standalone = FILES.target("standalone");
        Dockerfile scheduler = FILES.target("scheduler");
        assertAll(
                () -> assertThat(FILES.installedPackages(node)).as(node.path()).containsAll(runtime).containsAll(image),
                () -> assertThat(FILES.installedPackages(standalone)).as(standalone.path()).containsAll(runtime)
                        .containsAll(image),
                () -> assertThat(FILES.installedPackages(scheduler)).as(scheduler.path() + ": records nothing")
                        .doesNotContainAnyElementsOf(runtime)
                        .containsAll(image),
                () -> assertThat(Stream.of(node, standalone, scheduler).map(Dockerfile::buildStage).distinct())
                        .as("one build stage for the three targets").hasSize(1),
                () -> assertThat(FILES.stages().get(FILES.stages().size() - 1).name())
                        .as("a build without --target makes the standalone image").isEqualTo("standalone"));
    }

    @Test
    void imagesRunAsAUserWithTheSpoolOnAVolumeAndStopOnSigterm() {
        for (String target : DeploymentFiles.TARGETS) {
            Dockerfile image = FILES.target(target);
            String path = image.path();
            assertThat(image.last("USER")).as(path + " USER").isNotBlank().isNotIn("root", "0");
            assertThat(image.last("STOPSIGNAL")).as(path).isEqualTo("SIGTERM");
            String volume = image.last("VOLUME").replaceAll("[\\[\\]\"]", "").trim();
            assertThat(image.environment().get("CAPSTAN_ARCHIVE_SPOOL")).as(path + ": the spool survives the container")
                    .startsWith(volume + "/");
        }
    }

    @Test
    void portsAndHealthChecksAreTheOnesTheAppServes() {
        int schedulerPort = FILES.serverPort(null);
        int nodePort = FILES.serverPort("node");
        assertThat(schedulerPort).isEqualTo(8080);
        assertThat(nodePort).isEqualTo(8081);

        Map<String, Integer> imagePorts = Map.of("standalone", schedulerPort, "scheduler", schedulerPort,
                "node", nodePort);
        imagePorts.forEach((target, port) -> {
            Dockerfile image = FILES.target(target);
            String path = image.path();
            assertThat(image.last("EXPOSE")).as(path).isEqualTo(String.valueOf(port));
            assertThat(image.last("HEALTHCHECK")).as(path)
                    .contains("http://127.0.0.1:" + port + "/actuator/health");
        });

        assertThat(FILES.composeService("capstan-scheduler").ports()).as("compose: the scheduler's published port")
                .allSatisfy(mapping -> assertThat(mapping).endsWith(":" + schedulerPort));

        for (Container container : FILES.kubernetesContainers()) {
            int port = container.where().contains("capstan-node") ? nodePort : schedulerPort;
            assertThat(container.ports()).as(container.where()).containsExactly("http=" + port);
            assertThat(container.probes()).as(container.where()).isNotEmpty().allSatisfy(probe -> {
                assertThat(probe.path()).startsWith("/actuator/health");
                assertThat(probe.port()).isEqualTo("http");
            });
            if (container.probes().stream().anyMatch(probe -> probe.path().matches(".*/(liveness|readiness)"))) {
                assertThat(container.environment()).as(container.where() + ": probe groups switched on")
                        .containsEntry("MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED", "true");
            }
            assertThat(container.annotations()).as(container.where() + ": scrape annotations")
                    .containsEntry("prometheus.io/port", String.valueOf(port))
                    .containsEntry("prometheus.io/path", "/actuator/prometheus");
        }
    }

    /** The override builds each image it runs from the one Dockerfile, with the target for its role. */
    @Test
    void composeBuildsEachServiceFromItsRolesTarget() {
        Map<String, String> roles = Map.of("capstan-scheduler", "scheduler", "capstan-node", "node");
        roles.forEach((service, role) -> {
            Map<String, String> build = FILES.composeService(service).build();
            assertThat(build).as("compose " + service + ": build")
                    .containsEntry("dockerfile", DeploymentFiles.DOCKERFILE)
                    .containsEntry("target", role)
                    .containsKey("context");
            Container container = FILES.appContainers().stream()
                    .filter(candidate -> candidate.where().equals("compose " + service)).findFirst().orElseThrow();
            assertThat(container.environment()).as("compose " + service + ": the role its target is built for")
                    .containsEntry("CAPSTAN_FLEET_ROLE", role);
            assertThat(FILES.target(role).environment()).as(DeploymentFiles.DOCKERFILE + " --target " + role)
                    .isNotEmpty();
        });
    }

    @Test
    void aStoppedNodeHasTimeToDrainBeforeItIsKilled() {
        Container compose = FILES.appContainers().stream()
                .filter(container -> container.where().equals("compose capstan-node")).findFirst().orElseThrow();
        Duration composeGrace = DurationStyle.detectAndParse(FILES.composeService("capstan-node").stopGracePeriod());
        assertThat(drainTimeout(compose)).as("compose: the drain ends before stop_grace_period")
                .isLessThan(composeGrace);

        Container kubernetes = FILES.kubernetesContainers().stream()
                .filter(container -> container.where().contains("capstan-node")).findFirst().orElseThrow();
        Duration podGrace = Duration.ofSeconds(kubernetes.terminationGracePeriodSeconds());
        assertThat(drainTimeout(kubernetes)).as("k8s: the drain ends before terminationGracePeriodSeconds")
                .isLessThan(podGrace);
        assertThat(podGrace).as("k8s: long enough for a meeting").isGreaterThanOrEqualTo(Duration.ofHours(1));
    }

    @Test
    void theAutoscalerQueriesMetricsTheAppExportsOnAnEndpointItExposes() throws IOException {
        DeploymentFiles.ScaledObject scaler = FILES.scaledObject();
        assertThat(scaler.target()).as("KEDA scales the node Deployment").isEqualTo("capstan-node");
        assertThat(Double.parseDouble(scaler.threshold())).isPositive();

        Set<String> metrics = new TreeSet<>();
        Matcher matcher = Pattern.compile("\\bcapstan_[a-z0-9_]+").matcher(scaler.query());
        while (matcher.find()) {
            metrics.add(matcher.group());
        }
        assertThat(metrics).as("metrics in " + scaler.query()).isNotEmpty();
        Set<String> exported = FILES.meterNamesInMainSources();
        for (String metric : metrics) {
            // Micrometer's Prometheus naming: a gauge capstan.slots.free is scraped as capstan_slots_free.
            assertThat(exported).as("a meter in the main sources that Prometheus shows as " + metric)
                    .contains(metric.replace('_', '.'));
        }

        Container scheduler = FILES.kubernetesContainers().stream()
                .filter(container -> container.where().contains("capstan-scheduler")).findFirst().orElseThrow();
        String exposure = scheduler.environment().getOrDefault("MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE",
                FILES.applicationProperty(null, "management.endpoints.web.exposure.include"));
        assertThat(List.of(exposure.split("\\s*,\\s*"))).as("the schedulers serve /actuator/prometheus")
                .contains("prometheus");
    }

    /** Docker Compose's own reading of the override: syntax, merge keys, interpolation, required secrets. */
    @Test
    void composeAcceptsTheOverrideOnTopOfJitsi() throws Exception {
        List<String> compose = composeCommand();
        Assumptions.assumeTrue(compose != null,
                "neither 'docker compose' nor 'docker-compose' is installed: the compose file was only parsed");
        Path work = Files.createTempDirectory("capstan-compose");
        try {
            // A stand-in for docker-jitsi-meet's docker-compose.yml: the services and network the override uses.
            Files.writeString(work.resolve("docker-compose.yml"), """
                    services:
                      prosody:
                        image: jitsi/prosody:stable
                        networks:
                          meet.jitsi:
                            aliases: [xmpp.meet.jitsi]
                    networks:
                      meet.jitsi:
                    """);
            Files.writeString(work.resolve(".env"), """
                    CAPSTAN_XMPP_PASSWORD=pool-secret
                    CAPSTAN_DB_PASSWORD=db-secret
                    CAPSTAN_S3_SECRET_KEY=s3-secret-key
                    CAPSTAN_API_KEY=api-key
                    JIBRI_XMPP_PASSWORD=jibri-secret
                    JIBRI_RECORDER_PASSWORD=recorder-secret
                    CAPSTAN_CHECKOUT=%s
                    """.formatted(FILES.root()));
            Path override = FILES.root().resolve("docker/jitsi/docker-compose.capstan.yml");
            List<String> config = new ArrayList<>(compose);
            config.addAll(List.of("-f", "docker-compose.yml", "-f", override.toString(), "config"));
            ProcessResult accepted = run(work, config);
            assertThat(accepted.exitCode()).as(accepted.output()).isZero();
            assertThat(accepted.output()).contains("capstan-scheduler", "capstan-node",
                    "capstanpool@internal-muc.meet.jitsi", "jibribrewery", "target: node", "target: scheduler");

            // Without the secrets compose refuses to start, naming what to set.
            Files.writeString(work.resolve(".env"), "");
            ProcessResult refused = run(work, config);
            assertThat(refused.exitCode()).isNotZero();
            assertThat(refused.output()).contains("in .env");
        } finally {
            try (Stream<Path> files = Files.walk(work)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** Kustomize's own rendering of docker/k8s, when kubectl is installed. */
    @Test
    void kustomizeRendersTheManifests() throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed: the manifests were only parsed");
        ProcessResult rendered = run(FILES.root(), List.of("kubectl", "kustomize", "docker/k8s"));
        assertThat(rendered.exitCode()).as(rendered.output()).isZero();
        assertThat(rendered.output()).contains("kind: ScaledObject", "namespace: capstan", "name: capstan-node");
    }

    private static Duration drainTimeout(Container container) {
        String value = container.environment().get("CAPSTAN_NODE_DRAIN_TIMEOUT");
        assertThat(value).as(container.where() + ": CAPSTAN_NODE_DRAIN_TIMEOUT (the default is 6h)").isNotNull();
        return DurationStyle.detectAndParse(value);
    }

    /** What {@code ./capstan packages LIST} prints: the packages the launcher installs. */
    private static List<String> launcherPackages(String list) throws Exception {
        ProcessResult result = run(FILES.root(), List.of("bash", "capstan", "packages", list));
        assertThat(result.exitCode()).as(result.output()).isZero();
        return result.output().lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }

    private static List<String> composeCommand() throws Exception {
        if (onPath("docker") && run(Path.of("."), List.of("docker", "compose", "version")).exitCode() == 0) {
            return List.of("docker", "compose");
        }
        return onPath("docker-compose") ? List.of("docker-compose") : null;
    }

    private static boolean onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
    }

    private record ProcessResult(int exitCode, String output) {
    }

    /** Runs a command with its output in a file, so that a hung command cannot block the read. */
    private static ProcessResult run(Path directory, List<String> command) throws Exception {
        Path output = Files.createTempFile("capstan-command", ".log");
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not end within 60 s");
            }
            return new ProcessResult(process.exitValue(), Files.readString(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
