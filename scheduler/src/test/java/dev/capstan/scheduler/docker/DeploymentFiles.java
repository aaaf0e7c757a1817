package dev.capstan.scheduler.docker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * The files under {@code docker/} as the tests read them: Dockerfiles, the docker-jitsi-meet override, the Kubernetes
 * manifests, and the application's own configuration they must agree with. Reading only; nothing is started.
 */
final class DeploymentFiles {

    private static final Pattern COMPOSE_VARIABLE = Pattern.compile("\\$\\{([A-Za-z0-9_]+)(?:(:?[-?])([^}]*))?}");
    private static final Pattern ENV_ASSIGNMENT = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)");
    private static final Pattern PACKAGE_FILE = Pattern.compile("/tmp/packages/([A-Za-z0-9_-]+)\\.txt");
    private static final Pattern FROM = Pattern.compile("(?i)(\\S+)\\s+AS\\s+(\\S+)");
    private static final Pattern COPY_FROM = Pattern.compile("--from=(\\S+)");
    private static final Pattern METER_NAME = Pattern.compile("\"(capstan(?:\\.[a-z0-9]+)+)\"");

    private final Path root;

    private DeploymentFiles(Path root) {
        this.root = root;
    }

    static DeploymentFiles at(Path root) {
        return new DeploymentFiles(root);
    }

    /** The checkout: Maven runs the tests in scheduler/, the launcher and docker/ are one level up. */
    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("capstan")) && Files.isDirectory(dir.resolve("docker/jitsi"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no Capstan checkout (capstan and docker/) above " + Path.of("").toAbsolutePath());
    }

    Path root() {
        return root;
    }

    // --- Dockerfiles ---------------------------------------------------------------------------------------------

    /** The one Dockerfile: its targets share the build stage and the runtime base. */
    static final String DOCKERFILE = "docker/Dockerfile";
    /** The images: a standalone host, and a fleet's recorder nodes and schedulers. */
    static final List<String> TARGETS = List.of("standalone", "node", "scheduler");

    record Instruction(String keyword, String arguments) {
    }

    /** A stage of the Dockerfile: its name ({@code AS ...}), the image or stage it starts {@code FROM}, its lines. */
    record Stage(String name, String from, List<Instruction> instructions) {
    }

    /**
     * What {@code docker build --target NAME} makes.
     *
     * @param path       the Dockerfile and target, for messages
     * @param buildStage the text of the stage the image copies its jar from ({@code COPY --from=...})
     * @param image      the instructions of the target and of the stages it starts from, oldest first (later ones
     *                   win, as in the image)
     */
    record Dockerfile(String path, String buildStage, List<Instruction> image) {

        /** The arguments of the image's last {@code keyword} instruction (Docker uses the last one), or "". */
        String last(String keyword) {
            String found = "";
            for (Instruction instruction : image) {
                if (instruction.keyword().equals(keyword)) {
                    found = instruction.arguments();
                }
            }
            return found;
        }

        Map<String, String> environment() {
            Map<String, String> env = new LinkedHashMap<>();
            for (Instruction instruction : image) {
                if (instruction.keyword().equals("ENV")) {
                    Matcher matcher = ENV_ASSIGNMENT.matcher(instruction.arguments());
                    while (matcher.find()) {
                        String value = matcher.group(2);
                        env.put(matcher.group(1), value.startsWith("\"") ? value.substring(1, value.length() - 1) : value);
                    }
                }
            }
            return env;
        }
    }

    /** The stages of docker/Dockerfile in order; the last is what a build without --target makes. */
    List<Stage> stages() {
        List<String> logical = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : read(DOCKERFILE).lines().toList()) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#")) {
                continue; // comments, also between continuation lines (Docker drops those too)
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            if (!current.toString().isBlank()) {
                logical.add(current.toString().strip());
            }
            current.setLength(0);
        }
        List<Stage> stages = new ArrayList<>();
        for (String line : logical) {
            String[] parts = line.split("\\s+", 2);
            Instruction instruction = new Instruction(parts[0].toUpperCase(), parts.length > 1 ? parts[1] : "");
            if (instruction.keyword().equals("FROM")) {
                Matcher from = FROM.matcher(instruction.arguments());
                if (!from.matches()) {
                    throw new AssertionError(DOCKERFILE + ": expected 'FROM image AS name': " + line);
                }
                stages.add(new Stage(from.group(2), from.group(1), new ArrayList<>()));
            }
            if (stages.isEmpty()) {
                throw new AssertionError(DOCKERFILE + ": an instruction before FROM: " + line);
            }
            stages.get(stages.size() - 1).instructions().add(instruction);
        }
        return stages.stream().map(stage -> new Stage(stage.name(), stage.from(), List.copyOf(stage.instructions())))
                .toList();
    }

    /** The image {@code docker build -f docker/Dockerfile --target name} makes. */
    Dockerfile target(String name) {
        Map<String, Stage> byName = new LinkedHashMap<>();
        for (Stage stage : stages()) {
            if (byName.put(stage.name(), stage) != null) {
                throw new AssertionError(DOCKERFILE + ": two stages named " + stage.name());
            }
        }
        if (!byName.containsKey(name)) {
            throw new AssertionError(DOCKERFILE + " has no target " + name + ", only " + byName.keySet());
        }
        List<Stage> chain = new ArrayList<>();
        for (Stage stage = byName.get(name); stage != null; stage = byName.get(stage.from())) {
            chain.add(0, stage);
        }
        List<Instruction> image = chain.stream().flatMap(stage -> stage.instructions().stream()).toList();
        String path = DOCKERFILE + " --target " + name;
        Stage build = image.stream().filter(instruction -> instruction.keyword().equals("COPY"))
                .map(instruction -> COPY_FROM.matcher(instruction.arguments()))
                .filter(Matcher::find).map(matcher -> byName.get(matcher.group(1))).filter(java.util.Objects::nonNull)
                .findFirst().orElseThrow(() -> new AssertionError(path + " copies nothing from a build stage"));
        if (chain.contains(build)) {
            throw new AssertionError(path + ": the build stage " + build.name() + " is part of the image");
        }
        String buildText = build.instructions().stream().map(i -> i.keyword() + " " + i.arguments())
                .reduce("", (a, b) -> a + b + "\n");
        return new Dockerfile(path, buildText, image);
    }

    /**
     * The Debian packages the image's {@code apt-get install} gets: the {@code docker/packages/*.txt} lists it feeds in
     * (each must be copied into the image) plus any names written inline.
     */
    Set<String> installedPackages(Dockerfile dockerfile) {
        Set<String> packages = new TreeSet<>();
        String copies = dockerfile.image().stream().filter(instruction -> instruction.keyword().equals("COPY"))
                .map(Instruction::arguments).reduce("", (a, b) -> a + "\n" + b);
        for (Instruction instruction : dockerfile.image()) {
            if (!instruction.keyword().equals("RUN") || !instruction.arguments().contains("apt-get install")) {
                continue;
            }
            Matcher lists = PACKAGE_FILE.matcher(instruction.arguments());
            while (lists.find()) {
                String list = lists.group(1);
                if (!copies.contains("docker/packages/ ") && !copies.contains("docker/packages/" + list + ".txt")) {
                    throw new AssertionError(dockerfile.path() + " installs " + list + ".txt without copying it in");
                }
                packages.addAll(packageList(list));
            }
            String afterOptions = instruction.arguments().replaceFirst("(?s).*--no-install-recommends", "");
            for (String word : afterOptions.split("&&")[0].trim().split("\\s+")) {
                if (word.matches("[a-z0-9][a-z0-9.+-]+")) {
                    packages.add(word);
                }
            }
        }
        return packages;
    }

    /** A {@code docker/packages/*.txt} list read as the launcher reads it: '#' starts a comment. */
    List<String> packageList(String name) {
        return read("docker/packages/" + name + ".txt").lines().map(line -> line.replaceFirst("#.*", ""))
                .flatMap(line -> Stream.of(line.trim().split("\\s+"))).filter(word -> !word.isEmpty()).toList();
    }

    // --- Containers the app runs in --------------------------------------------------------------------------------

    record Probe(String path, String port) {
    }

    /**
     * One place the app runs: a Dockerfile's image on its own, a compose service or a Kubernetes container, with the
     * environment it gets (the image's ENV first, then what the file sets).
     */
    record Container(String where, Map<String, String> environment, List<String> ports, List<Probe> probes,
                     Map<String, String> annotations, long terminationGracePeriodSeconds) {
    }

    /** A compose service: its published ports, stop grace period, and its {@code build:} (empty when it has none). */
    record ComposeService(List<String> ports, String stopGracePeriod, Map<String, String> build) {
    }

    record ScaledObject(String target, String query, String threshold) {
    }

    List<Container> appContainers() {
        List<Container> containers = new ArrayList<>();
        for (String target : TARGETS) {
            Dockerfile image = target(target);
            containers.add(new Container(image.path(), image.environment(), List.of(), List.of(), Map.of(), 0));
        }
        containers.addAll(composeContainers());
        containers.addAll(kubernetesContainers());
        return containers;
    }

    private List<Container> composeContainers() {
        List<Container> containers = new ArrayList<>();
        map(compose().get("services")).forEach((name, definition) -> {
            Map<String, Object> service = map(definition);
            String image = interpolate(String.valueOf(service.get("image")));
            if (!image.contains("capstan")) {
                return; // PostgreSQL, MinIO: not ours to check
            }
            String target = String.valueOf(map(service.get("build")).get("target"));
            Map<String, String> env = new LinkedHashMap<>(
                    (TARGETS.contains(target) ? target(target) : imageFor(image)).environment());
            Object environment = service.get("environment");
            if (environment instanceof Map<?, ?> entries) {
                entries.forEach((key, value) -> env.put(String.valueOf(key), interpolate(String.valueOf(value))));
            } else if (environment instanceof List<?> entries) {
                for (Object entry : entries) {
                    String[] pair = String.valueOf(entry).split("=", 2);
                    env.put(pair[0], pair.length > 1 ? interpolate(pair[1]) : "");
                }
            }
            containers.add(new Container("compose " + name, env, List.of(), List.of(), Map.of(), 0));
        });
        return containers;
    }

    ComposeService composeService(String name) {
        Map<String, Object> service = map(map(compose().get("services")).get(name));
        if (service.isEmpty()) {
            throw new AssertionError("no service " + name + " in docker/jitsi/docker-compose.capstan.yml");
        }
        List<String> ports = list(service.get("ports")).stream().map(port -> interpolate(String.valueOf(port))).toList();
        Map<String, String> build = new LinkedHashMap<>();
        map(service.get("build")).forEach((key, value) -> build.put(key, interpolate(String.valueOf(value))));
        return new ComposeService(ports, String.valueOf(service.get("stop_grace_period")), build);
    }

    private Map<String, Object> compose() {
        return map(new Yaml().load(read("docker/jitsi/docker-compose.capstan.yml")));
    }

    /** The image a compose or Kubernetes file names, as the target that builds it. */
    Dockerfile imageFor(String image) {
        if (image.contains("capstan/node")) {
            return target("node");
        }
        if (image.contains("capstan/scheduler")) {
            return target("scheduler");
        }
        return target("standalone");
    }

    /** Compose's interpolation with an empty .env: defaults where given, a stand-in for what the operator sets. */
    static String interpolate(String value) {
        Matcher matcher = COMPOSE_VARIABLE.matcher(value);
        StringBuilder result = new StringBuilder();
        while (matcher.find()) {
            String operator = matcher.group(2);
            String replacement = operator != null && operator.endsWith("-") ? matcher.group(3) : "set-in-dot-env";
            matcher.appendReplacement(result, Matcher.quoteReplacement(replacement));
        }
        matcher.appendTail(result);
        return result.toString();
    }

    List<Map<String, Object>> kubernetesResources() {
        Map<String, Object> kustomization = map(new Yaml().load(read("docker/k8s/kustomization.yaml")));
        List<Map<String, Object>> resources = new ArrayList<>();
        for (Object file : list(kustomization.get("resources"))) {
            for (Object document : new Yaml().loadAll(read("docker/k8s/" + file))) {
                if (document != null) {
                    resources.add(map(document));
                }
            }
        }
        return resources;
    }

    List<Container> kubernetesContainers() {
        List<Map<String, Object>> resources = kubernetesResources();
        Map<String, Map<String, Object>> configMaps = new LinkedHashMap<>();
        for (Map<String, Object> resource : resources) {
            if ("ConfigMap".equals(resource.get("kind"))) {
                configMaps.put(String.valueOf(map(resource.get("metadata")).get("name")), map(resource.get("data")));
            }
        }
        List<Container> containers = new ArrayList<>();
        for (Map<String, Object> resource : resources) {
            if (!"Deployment".equals(resource.get("kind")) && !"StatefulSet".equals(resource.get("kind"))) {
                continue;
            }
            String name = String.valueOf(map(resource.get("metadata")).get("name"));
            Map<String, Object> template = map(map(resource.get("spec")).get("template"));
            Map<String, String> annotations = new LinkedHashMap<>();
            map(map(template.get("metadata")).get("annotations")).forEach((k, v) -> annotations.put(k, String.valueOf(v)));
            Map<String, Object> pod = map(template.get("spec"));
            long grace = pod.get("terminationGracePeriodSeconds") instanceof Number n ? n.longValue() : 30;
            for (Object item : list(pod.get("containers"))) {
                Map<String, Object> container = map(item);
                Map<String, String> env = new LinkedHashMap<>(imageFor(String.valueOf(container.get("image"))).environment());
                for (Object from : list(container.get("envFrom"))) {
                    String configMap = String.valueOf(map(map(from).get("configMapRef")).get("name"));
                    if (!configMaps.containsKey(configMap)) {
                        throw new AssertionError(name + " takes its environment from a missing ConfigMap " + configMap);
                    }
                    configMaps.get(configMap).forEach((key, value) -> env.put(key, String.valueOf(value)));
                }
                for (Object entry : list(container.get("env"))) {
                    Map<String, Object> variable = map(entry);
                    Object value = variable.containsKey("value") ? variable.get("value") : "from-" + variable.get("valueFrom");
                    env.put(String.valueOf(variable.get("name")), String.valueOf(value));
                }
                List<String> ports = list(container.get("ports")).stream().map(DeploymentFiles::map)
                        .map(port -> port.get("name") + "=" + port.get("containerPort")).toList();
                List<Probe> probes = new ArrayList<>();
                for (String kind : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                    Map<String, Object> httpGet = map(map(container.get(kind)).get("httpGet"));
                    if (!httpGet.isEmpty()) {
                        probes.add(new Probe(String.valueOf(httpGet.get("path")), String.valueOf(httpGet.get("port"))));
                    }
                }
                containers.add(new Container("k8s " + resource.get("kind") + " " + name + "/" + container.get("name"),
                        env, ports, probes, annotations, grace));
            }
        }
        return containers;
    }

    ScaledObject scaledObject() {
        for (Map<String, Object> resource : kubernetesResources()) {
            if ("ScaledObject".equals(resource.get("kind"))) {
                Map<String, Object> spec = map(resource.get("spec"));
                Map<String, Object> trigger = list(spec.get("triggers")).stream().map(DeploymentFiles::map)
                        .filter(candidate -> "prometheus".equals(candidate.get("type"))).findFirst()
                        .orElseThrow(() -> new AssertionError("the ScaledObject has no prometheus trigger"));
                Map<String, Object> metadata = map(trigger.get("metadata"));
                return new ScaledObject(String.valueOf(map(spec.get("scaleTargetRef")).get("name")),
                        String.valueOf(metadata.get("query")), String.valueOf(metadata.get("threshold")));
            }
        }
        throw new AssertionError("no KEDA ScaledObject in docker/k8s/kustomization.yaml's resources");
    }

    // --- The application ---------------------------------------------------------------------------------------------

    /** {@code server.port} of the app, with a profile's file on top of application.yml. */
    int serverPort(String profile) {
        return Integer.parseInt(applicationProperty(profile, "server.port"));
    }

    /** A property of application.yml, or of application-{profile}.yml when that sets it. */
    String applicationProperty(String profile, String name) {
        String value = null;
        List<String> files = new ArrayList<>(List.of("application.yml"));
        if (profile != null) {
            files.add("application-" + profile + ".yml");
        }
        for (String file : files) {
            Object node = loadClasspathYaml(file);
            for (String key : name.split("\\.")) {
                node = map(node).get(key);
            }
            if (node != null) {
                value = String.valueOf(node);
            }
        }
        if (value == null) {
            throw new AssertionError(name + " is set in none of " + files);
        }
        return value;
    }

    private static Object loadClasspathYaml(String file) {
        try (InputStream in = DeploymentFiles.class.getClassLoader().getResourceAsStream(file)) {
            if (in == null) {
                throw new AssertionError("scheduler/src/main/resources/" + file + " is missing");
            }
            return new Yaml().load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every {@code "capstan.…"} string literal in the main sources: the meter names the app can register. */
    Set<String> meterNamesInMainSources() throws IOException {
        Set<String> names = new LinkedHashSet<>();
        for (String module : List.of("scheduler", "recorder", "storage")) {
            Path sources = root.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(sources)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(sources)) {
                for (Path file : files.filter(path -> path.toString().endsWith(".java")).toList()) {
                    Matcher matcher = METER_NAME.matcher(Files.readString(file));
                    while (matcher.find()) {
                        names.add(matcher.group(1));
                    }
                }
            }
        }
        return names;
    }

    // --- helpers -----------------------------------------------------------------------------------------------------

    private String read(String path) {
        try {
            return Files.readString(root.resolve(path));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + path, e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        return node instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }

    private static List<?> list(Object node) {
        return node instanceof List<?> list ? list : List.of();
    }
}
