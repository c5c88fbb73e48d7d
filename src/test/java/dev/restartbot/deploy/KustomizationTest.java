package dev.restartbot.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.fail;

import dev.restartbot.audit.AuditConfig;
import dev.restartbot.cluster.ClusterConfig;
import dev.restartbot.policy.Policy;
import dev.restartbot.policy.PolicyConfig;
import dev.restartbot.restart.RestartConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.source.yaml.YamlConfigSource;
import java.io.File;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Renders {@code k8s/} with {@code kubectl kustomize} (as {@code kubectl apply -k} would) and
 * checks the objects a cluster would receive: least-privilege RBAC, the hardened pod, the probes,
 * and the policy mounted where the app looks for it and accepted by the app's own config mapping.
 */
class KustomizationTest {

  static final String BOT_NAMESPACE = "restart-bot";
  static final String SERVICE_ACCOUNT = "restart-bot";
  static final String CLUSTERS_DIR = "/etc/restart-bot/clusters";
  static final String CLUSTERS_SECRET = "restart-bot-clusters";

  /** Set by {@code .ci/run} when no package source of the machine offers kubectl. */
  static final String NOT_INSTALLABLE = "KUBECTL_NOT_INSTALLABLE";

  static List<Manifest> rendered;

  @BeforeAll
  static void render() throws Exception {
    rendered = Manifest.parseAll(Kustomize.render("KustomizationTest", "k8s"));
  }

  /**
   * Without kubectl, a local run skips these checks with a warning: the reason is returned. In CI
   * ({@code CI=true}) a skip would hide them, so the run fails instead: {@code .ci/run} installs
   * kubectl. Only where no package source offers kubectl does {@code .ci/run} say so in {@value
   * #NOT_INSTALLABLE}, and then CI skips as well, with that reason.
   */
  static String whyWithoutKubectl(Map<String, String> env) {
    boolean ci = "true".equalsIgnoreCase(env.getOrDefault("CI", ""));
    String notInstallable = env.get(NOT_INSTALLABLE);
    if (ci && notInstallable == null) {
      fail(
          "CI=true and kubectl is not on PATH: the deploy checks must not be skipped in CI."
              + " .ci/run installs kubectl; where no package offers it, .ci/run sets "
              + NOT_INSTALLABLE
              + " and the checks are skipped with a warning.");
    }
    return ci
        ? "kubectl cannot be installed here (" + NOT_INSTALLABLE + ": " + notInstallable + ")"
        : "kubectl is not on PATH";
  }

  @Test
  void rendersExactlyTheObjectsOfAnInstallAndNoSecret() {
    Set<String> objects =
        rendered.stream()
            .map(
                m ->
                    m.kind()
                        + " "
                        + m.namespace()
                        + "/"
                        + m.name().replaceAll("-[a-z0-9]{10}$", ""))
            .collect(Collectors.toCollection(TreeSet::new));

    assertThat(objects)
        .containsExactlyInAnyOrder(
            "Namespace /restart-bot",
            "ServiceAccount restart-bot/restart-bot",
            "Role restart-bot/restart-bot-store",
            "RoleBinding restart-bot/restart-bot-store",
            "Role payments/restart-bot-restarter",
            "RoleBinding payments/restart-bot-restarter",
            "Role payments/restart-bot-argo-rollouts",
            "RoleBinding payments/restart-bot-argo-rollouts",
            "ConfigMap restart-bot/restart-bot-policy",
            "Deployment restart-bot/restart-bot",
            "Service restart-bot/restart-bot",
            "PodDisruptionBudget restart-bot/restart-bot",
            "NetworkPolicy restart-bot/restart-bot");
    assertThat(rendered).hasSize(objects.size());
  }

  @Nested
  class Rbac {

    @Test
    void inTheTargetNamespaceTheBotReadsPatchesAndWatchesWorkloadsRecordsEventsAndReadsQuotas() {
      assertThat(one("Role", "restart-bot-restarter").rules())
          .containsExactlyInAnyOrder(
              new Rule(
                  Set.of("apps"),
                  Set.of("deployments", "statefulsets", "daemonsets"),
                  Set.of("get", "list", "watch", "patch")),
              new Rule(Set.of(""), Set.of("events"), Set.of("create", "patch")),
              new Rule(Set.of(""), Set.of("resourcequotas"), Set.of("get", "list")),
              new Rule(Set.of("apps"), Set.of("replicasets"), Set.of("list")));
    }

    @Test
    void argoRolloutsAreReadPatchedAndWatchedInTheTargetNamespaceByARoleOfTheirOwn() {
      Manifest argo = one("Role", "restart-bot-argo-rollouts");

      assertThat(argo.namespace()).isEqualTo(one("Role", "restart-bot-restarter").namespace());
      assertThat(argo.rules())
          .containsExactly(
              new Rule(
                  Set.of("argoproj.io"),
                  Set.of("rollouts"),
                  Set.of("get", "list", "watch", "patch")));
    }

    @Test
    void inItsOwnNamespaceTheBotKeepsRequestsInConfigMapsAndRunsUnderLeases() {
      Manifest store = one("Role", "restart-bot-store");

      assertThat(store.namespace()).isEqualTo(BOT_NAMESPACE);
      assertThat(store.rules())
          .containsExactlyInAnyOrder(
              new Rule(
                  Set.of(""),
                  Set.of("configmaps"),
                  Set.of("get", "list", "create", "update", "delete")),
              new Rule(
                  Set.of("coordination.k8s.io"),
                  Set.of("leases"),
                  Set.of("get", "create", "update", "patch", "delete")));
    }

    @Test
    void noWildcardNoSecretsAndNoClusterWideGrant() {
      assertThat(rendered)
          .extracting(Manifest::kind)
          .doesNotContain("ClusterRole", "ClusterRoleBinding");
      for (Manifest role : of("Role")) {
        for (Rule rule : role.rules()) {
          assertThat(rule.apiGroups()).as(role.name()).doesNotContain("*");
          assertThat(rule.resources()).as(role.name()).doesNotContain("*", "secrets");
          assertThat(rule.verbs())
              .as(role.name())
              .doesNotContain("*", "escalate", "bind", "impersonate");
        }
      }
    }

    @Test
    void everyRoleIsBoundToTheBotsServiceAccountOnlyInItsOwnNamespace() {
      for (Manifest binding : of("RoleBinding")) {
        Map<String, Object> roleRef = binding.map("roleRef");
        assertThat(roleRef)
            .as(binding.name())
            .containsEntry("kind", "Role")
            .containsEntry("apiGroup", "rbac.authorization.k8s.io");
        Manifest role = one("Role", (String) roleRef.get("name"));
        assertThat(role.namespace()).as(binding.name()).isEqualTo(binding.namespace());
        assertThat(binding.list("subjects"))
            .as(binding.name())
            .containsExactly(
                Map.of(
                    "kind", "ServiceAccount", "name", SERVICE_ACCOUNT, "namespace", BOT_NAMESPACE));
      }
      assertThat(one("Deployment", "restart-bot").at("spec.template.spec.serviceAccountName"))
          .isEqualTo(SERVICE_ACCOUNT);
    }

    @Test
    void everyNamespaceThePolicyAllowsHasTheRestarterRole() {
      Set<String> ruleNamespaces =
          policyConfig().rules().stream()
              .map(PolicyConfig.RuleConfig::namespace)
              .collect(Collectors.toSet());
      Set<String> granted =
          of("Role").stream()
              .filter(r -> r.name().equals("restart-bot-restarter"))
              .map(Manifest::namespace)
              .collect(Collectors.toSet());

      assertThat(granted).containsAll(ruleNamespaces);
    }
  }

  @Nested
  class Pod {

    final Manifest deployment = one("Deployment", "restart-bot");

    @Test
    void theGracePeriodLetsTheCurrentTargetFinishBeforeThePodIsKilled() {
      Object seconds = deployment.map("spec.template.spec").get("terminationGracePeriodSeconds");
      assertThat(seconds).isInstanceOf(Number.class);
      // The bot's own grace, plus Quarkus's shutdown delay and the hand-back of the rest.
      assertThat(Duration.ofSeconds(((Number) seconds).longValue()))
          .isGreaterThanOrEqualTo(restartConfig().shutdownGrace().plusSeconds(20));
    }

    Map<String, Object> container() {
      List<Map<String, Object>> containers = deployment.maps("spec.template.spec.containers");
      assertThat(containers).hasSize(1);
      return containers.get(0);
    }

    @Test
    void twoReplicasAndADisruptionBudgetThatKeepsOneServing() {
      assertThat(deployment.at("spec.replicas")).isEqualTo(2);
      Manifest pdb = one("PodDisruptionBudget", "restart-bot");
      assertThat(pdb.at("spec.minAvailable")).isEqualTo(1);
      assertThat(pdb.at("spec.selector.matchLabels")).isEqualTo(podLabels());
    }

    @Test
    void runsAsNonRootWithAReadOnlyRootAndNoPrivilegesAndWritesOnlyToAnEmptyDirTmp() {
      Manifest pod = new Manifest(deployment.map("spec.template"));
      assertThat(pod.at("spec.securityContext.runAsNonRoot")).isEqualTo(true);
      assertThat((Integer) pod.at("spec.securityContext.runAsUser")).isPositive();
      assertThat(pod.at("spec.securityContext.seccompProfile.type")).isEqualTo("RuntimeDefault");

      Manifest container = new Manifest(container());
      assertThat(container.at("securityContext.runAsNonRoot")).isEqualTo(true);
      assertThat(container.at("securityContext.allowPrivilegeEscalation")).isEqualTo(false);
      assertThat(container.at("securityContext.readOnlyRootFilesystem")).isEqualTo(true);
      assertThat(container.at("securityContext.capabilities.drop")).isEqualTo(List.of("ALL"));
      assertThat(container.at("securityContext.capabilities.add")).isNull();
      assertThat(container.at("securityContext.seccompProfile.type")).isEqualTo("RuntimeDefault");
      assertThat(container.at("securityContext.privileged")).isNotEqualTo(true);

      assertThat(volumeAt("/tmp")).containsKey("emptyDir");
    }

    @Test
    void otherClustersKubeconfigsComeFromAnOptionalSecretReadOnlyToTheBotsGroup() {
      Map<String, Object> volume = volumeAt(CLUSTERS_DIR);

      assertThat(new Manifest(volume).at("secret.secretName")).isEqualTo(CLUSTERS_SECRET);
      assertThat(new Manifest(volume).at("secret.optional"))
          .as("a bot of one cluster starts without the Secret")
          .isEqualTo(true);
      assertThat(new Manifest(volume).at("secret.defaultMode")).isEqualTo(0440);
      assertThat(deployment.at("spec.template.spec.securityContext.fsGroup"))
          .isEqualTo(deployment.at("spec.template.spec.securityContext.runAsGroup"));
      assertThat(
              new Manifest(container())
                  .maps("volumeMounts").stream()
                      .filter(m -> CLUSTERS_DIR.equals(m.get("mountPath")))
                      .findFirst()
                      .orElseThrow())
          .containsEntry("readOnly", true);
    }

    @Test
    void probesUseTheQuarkusHealthGroupsOnTheHttpPort() {
      Manifest container = new Manifest(container());
      assertThat(container.maps("ports"))
          .containsExactly(Map.of("name", "http", "containerPort", 8080, "protocol", "TCP"));
      assertThat(container.at("startupProbe.httpGet"))
          .isEqualTo(Map.of("path", "/q/health/started", "port", "http"));
      assertThat(container.at("livenessProbe.httpGet"))
          .isEqualTo(Map.of("path", "/q/health/live", "port", "http"));
      assertThat(container.at("readinessProbe.httpGet"))
          .isEqualTo(Map.of("path", "/q/health/ready", "port", "http"));
    }

    @Test
    void hasRequestsAndLimitsForCpuAndMemory() {
      Manifest container = new Manifest(container());
      assertThat(container.map("resources.requests")).containsKeys("cpu", "memory");
      assertThat(container.map("resources.limits")).containsKeys("cpu", "memory");
    }

    @Test
    void takesSlackSecretsFromTheSecretAndNothingSecretInline() {
      Manifest container = new Manifest(container());
      assertThat(container.maps("envFrom"))
          .containsExactly(Map.of("secretRef", Map.of("name", "restart-bot-slack")));
      assertThat(container.maps("env"))
          .extracting(e -> (String) e.get("name"))
          .noneMatch(name -> name.startsWith("SLACK_"));
    }

    @Test
    void usesTheClusterStoreInItsOwnNamespaceAndJsonLogs() {
      Map<String, Object> env = containerEnv();
      assertThat(env)
          .contains(
              entry("RESTART_STORE", "kubernetes"),
              entry("QUARKUS_LOG_CONSOLE_JSON_ENABLED", "true"),
              entry(
                  "RESTART_STORE_NAMESPACE",
                  Map.of("fieldRef", Map.of("fieldPath", "metadata.namespace"))));
    }

    @Test
    void theImageIsTheOneKustomizeSets() {
      assertThat((String) container().get("image")).startsWith("restart-bot:");
    }

    @Test
    void theServiceTheNetworkPolicyAndTheDeploymentSelectTheSamePods() {
      assertThat(deployment.at("spec.selector.matchLabels")).isEqualTo(podLabels());

      Manifest service = one("Service", "restart-bot");
      assertThat(service.at("spec.selector")).isEqualTo(podLabels());
      assertThat(service.maps("spec.ports"))
          .singleElement()
          .satisfies(p -> assertThat(p).containsEntry("targetPort", "http"));

      Manifest policy = one("NetworkPolicy", "restart-bot");
      assertThat(policy.at("spec.podSelector.matchLabels")).isEqualTo(podLabels());
    }

    @Test
    void theNetworkPolicyAdmitsOnlyPort8080() {
      Manifest policy = one("NetworkPolicy", "restart-bot");
      assertThat(policy.at("spec.policyTypes")).isEqualTo(List.of("Ingress"));
      List<Map<String, Object>> ingress = policy.maps("spec.ingress");
      assertThat(ingress).isNotEmpty();
      for (Map<String, Object> rule : ingress) {
        assertThat(rule.get("ports")).isEqualTo(List.of(Map.of("port", 8080, "protocol", "TCP")));
      }
    }

    @Test
    void theNetworkPolicyAdmitsOnlyNamespacesTheOperatorLabelled() {
      List<Map<String, Object>> ingress = one("NetworkPolicy", "restart-bot").maps("spec.ingress");

      // A rule without `from` (or with an empty selector) would admit every pod in the cluster,
      // which could then forge commands and clicks if the signing secret leaked or was weak.
      List<Object> admitted = new java.util.ArrayList<>();
      for (Map<String, Object> rule : ingress) {
        assertThat(rule).containsKey("from");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> from = (List<Map<String, Object>>) rule.get("from");
        assertThat(from).isNotEmpty();
        for (Map<String, Object> peer : from) {
          assertThat(peer).containsKey("namespaceSelector").doesNotContainKey("ipBlock");
          @SuppressWarnings("unchecked")
          Map<String, Object> selector = (Map<String, Object>) peer.get("namespaceSelector");
          assertThat(selector).containsOnlyKeys("matchLabels");
          assertThat((Map<?, ?>) selector.get("matchLabels")).isNotEmpty();
          admitted.add(selector.get("matchLabels"));
        }
      }
      assertThat(admitted)
          .containsExactlyInAnyOrder(
              Map.of("restart-bot/slack-ingress", "true"), Map.of("restart-bot/metrics", "true"));
    }

    @Test
    void theNetworkPolicySaysWhichLabelsToSetAndWhy() throws IOException {
      String file = Files.readString(project("k8s/networkpolicy.yaml"));

      assertThat(file)
          .contains("kubectl label namespace ingress-nginx restart-bot/slack-ingress=true")
          .contains("kubectl label namespace monitoring restart-bot/metrics=true")
          .contains("Socket Mode")
          .contains("kubelet");
    }

    Map<String, Object> podLabels() {
      return deployment.map("spec.template.metadata.labels");
    }

    Map<String, Object> containerEnv() {
      return env(container());
    }

    Map<String, Object> volumeAt(String mountPath) {
      Map<String, Object> mount =
          new Manifest(container())
              .maps("volumeMounts").stream()
                  .filter(m -> mountPath.equals(m.get("mountPath")))
                  .findFirst()
                  .orElseThrow(() -> new AssertionError("nothing mounted at " + mountPath));
      return deployment.maps("spec.template.spec.volumes").stream()
          .filter(v -> Objects.equals(v.get("name"), mount.get("name")))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no volume " + mount.get("name")));
    }
  }

  @Nested
  class PolicyFile {

    @Test
    void isMountedWhereQuarkusConfigLocationsPoints() throws IOException {
      Manifest deployment = one("Deployment", "restart-bot");
      Map<String, Object> container = deployment.maps("spec.template.spec.containers").get(0);
      Path location = Path.of((String) env(container).get("QUARKUS_CONFIG_LOCATIONS"));

      Map<String, Object> mount =
          new Manifest(container)
              .maps("volumeMounts").stream()
                  .filter(m -> location.getParent().toString().equals(m.get("mountPath")))
                  .findFirst()
                  .orElseThrow(
                      () -> new AssertionError("nothing mounted at " + location.getParent()));
      assertThat(mount).containsEntry("readOnly", true);
      Map<String, Object> volume =
          deployment.maps("spec.template.spec.volumes").stream()
              .filter(v -> v.get("name").equals(mount.get("name")))
              .findFirst()
              .orElseThrow();

      // kustomize replaced the generator's name with the hashed one, so an edit rolls the pods.
      Manifest configMap = policyConfigMap();
      assertThat(new Manifest(volume).at("configMap.name")).isEqualTo(configMap.name());
      assertThat(configMap.name()).matches("restart-bot-policy-[a-z0-9]{10}");
      // The file DeployedPolicyTest runs the app with is exactly what the pods read.
      assertThat(configMap.map("data"))
          .containsOnlyKeys(location.getFileName().toString())
          .containsEntry("policy.yaml", Files.readString(project("k8s/policy.yaml")));
    }

    @Test
    void isImmutableSoNeitherTheBotNorAnyoneElseCanEditItInPlace() {
      // The bot may update and delete ConfigMaps in its namespace (its request store): without
      // this, it could rewrite its own allowlist. With the hashed name, a change still rolls it.
      Manifest configMap = policyConfigMap();
      assertThat(configMap.at("immutable")).isEqualTo(true);
      assertThat(configMap.name()).matches("restart-bot-policy-[a-z0-9]{10}");
    }

    @Test
    void isAcceptedByTheAppsConfigMappingWithNoUnknownKey() {
      PolicyConfig config = policyConfig();

      assertThat(config.rules()).isNotEmpty();
      assertThat(config.approval().required()).isTrue();
      assertThat(config.approval().allowSelfApproval()).isFalse();
      Policy policy = Policy.from(config);
      assertThat(policy.rules()).hasSameSizeAs(config.rules());
      assertThat(config.rules().get(0).deployments())
          .hasValueSatisfying(d -> assertThat(d).contains("payments-api"));
    }
  }

  @Test
  void theSecretExampleIsDocumentationOnlyAndNamesWhatTheAppReads() throws IOException {
    assertThat(Files.readString(project("k8s/kustomization.yaml")))
        .doesNotContain("- secret.example.yaml");
    List<Manifest> example =
        Manifest.parseAll(Files.readString(project("k8s/secret.example.yaml")));

    assertThat(example)
        .singleElement()
        .satisfies(
            secret -> {
              assertThat(secret.kind()).isEqualTo("Secret");
              assertThat(secret.namespace()).isEqualTo(BOT_NAMESPACE);
              assertThat(secret.name()).isEqualTo("restart-bot-slack");
              Map<String, Object> data = secret.map("stringData");
              assertThat(data).containsOnlyKeys("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET");
              assertThat(data.values())
                  .allSatisfy(v -> assertThat((String) v).contains("REPLACE-ME"));
            });
  }

  @Test
  void theRemoteClusterExampleIsNotAppliedAndGivesTheRemoteAccountTheRestarterRights()
      throws IOException {
    assertThat(Files.readString(project("k8s/kustomization.yaml")))
        .doesNotContain("- remote-cluster.example.yaml");
    String text = Files.readString(project("k8s/remote-cluster.example.yaml"));
    List<Manifest> example = Manifest.parseAll(text);
    Manifest remoteRole =
        example.stream().filter(m -> m.kind().equals("Role")).findFirst().orElseThrow();
    Manifest remoteBinding =
        example.stream().filter(m -> m.kind().equals("RoleBinding")).findFirst().orElseThrow();
    Manifest token =
        example.stream()
            .filter(m -> "kubernetes.io/service-account-token".equals(m.at("type")))
            .findFirst()
            .orElseThrow();
    Manifest kubeconfigs =
        example.stream()
            .filter(m -> m.kind().equals("Secret") && CLUSTERS_SECRET.equals(m.name()))
            .findFirst()
            .orElseThrow();

    // The same rights in the remote cluster as in the bot's own target namespaces, and no more.
    assertThat(remoteRole.rules())
        .containsExactlyInAnyOrderElementsOf(one("Role", "restart-bot-restarter").rules());
    assertThat(remoteBinding.list("subjects"))
        .containsExactly(
            Map.of("kind", "ServiceAccount", "name", SERVICE_ACCOUNT, "namespace", BOT_NAMESPACE));
    assertThat(token.map("metadata.annotations"))
        .containsEntry("kubernetes.io/service-account.name", SERVICE_ACCOUNT);
    assertThat(example.stream().map(Manifest::kind))
        .doesNotContain("ClusterRole", "ClusterRoleBinding");

    // Each key of the Secret is a kubeconfig, mounted where the policy's example points.
    assertThat(kubeconfigs.namespace()).isEqualTo(BOT_NAMESPACE);
    Map<String, Object> files = kubeconfigs.map("stringData");
    assertThat(files).isNotEmpty();
    files.forEach(
        (cluster, kubeconfig) -> {
          Manifest config = Manifest.parseAll((String) kubeconfig).get(0);
          assertThat(config.kind()).isEqualTo("Config");
          assertThat(config.at("current-context")).isEqualTo(cluster);
          assertThat((String) kubeconfig).contains("REPLACE-ME");
          assertThat(text).contains("kubeconfig: " + CLUSTERS_DIR + "/" + cluster);
        });
  }

  @Test
  void theClustersOfTheRemoteExampleAreAcceptedByTheAppsConfigMappings() {
    String yaml =
        """
        restart:
          clusters:
            home:
              in-cluster: true
            us-prod:
              kubeconfig: /etc/restart-bot/clusters/us-prod
          default-cluster: home
          rules:
            - clusters: [home, us-prod]
              namespace: payments
              deployments: [payments-api]
              approvers: [U0LEAD]
        """;
    var config =
        new SmallRyeConfigBuilder()
            .withConverter(Duration.class, 100, new DurationConverter())
            .withMapping(PolicyConfig.class)
            .withMapping(RestartConfig.class)
            .withMapping(AuditConfig.class)
            .withMapping(ClusterConfig.class)
            .withValidateUnknown(true)
            .withSources(new YamlConfigSource("policy.yaml", yaml, 255))
            .build();
    ClusterConfig clusters = config.getConfigMapping(ClusterConfig.class);

    assertThat(clusters.clusters()).containsOnlyKeys("home", "us-prod");
    assertThat(clusters.clusters().get("us-prod").kubeconfig()).contains(CLUSTERS_DIR + "/us-prod");
    assertThat(
            Policy.from(config.getConfigMapping(PolicyConfig.class), List.of("home", "us-prod"))
                .rules())
        .singleElement()
        .satisfies(rule -> assertThat(rule.clusters()).containsExactly("home", "us-prod"));
  }

  // --- the rendered objects ---

  static Manifest one(String kind, String name) {
    List<Manifest> found = of(kind).stream().filter(m -> m.name().equals(name)).toList();
    assertThat(found).as("%s %s", kind, name).hasSize(1);
    return found.get(0);
  }

  static List<Manifest> of(String kind) {
    return rendered.stream().filter(m -> m.kind().equals(kind)).toList();
  }

  static Manifest policyConfigMap() {
    List<Manifest> maps = of("ConfigMap");
    assertThat(maps).hasSize(1);
    return maps.get(0);
  }

  static SmallRyeConfigBuilder appConfig() {
    String yaml = (String) policyConfigMap().map("data").get("policy.yaml");
    return new SmallRyeConfigBuilder()
        // Quarkus reads "15m"; plain SmallRye only knows ISO-8601 durations.
        .withConverter(Duration.class, 100, new DurationConverter())
        .withMapping(PolicyConfig.class)
        .withMapping(RestartConfig.class)
        .withMapping(AuditConfig.class)
        .withMapping(ClusterConfig.class)
        // A misspelt key under restart.* would otherwise be ignored and a default used silently.
        .withValidateUnknown(true)
        .withSources(new YamlConfigSource("policy.yaml", yaml, 255));
  }

  static PolicyConfig policyConfig() {
    return appConfig().build().getConfigMapping(PolicyConfig.class);
  }

  static RestartConfig restartConfig() {
    return appConfig().build().getConfigMapping(RestartConfig.class);
  }

  static Path project(String relative) {
    return Path.of(System.getProperty("basedir", "")).toAbsolutePath().resolve(relative);
  }

  static Optional<Path> onPath(String command) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .filter(dir -> !dir.isBlank())
        .map(dir -> Path.of(dir, command))
        .filter(Files::isExecutable)
        .findFirst();
  }

  /** An RBAC rule; order within its lists carries no meaning. */
  record Rule(Set<String> apiGroups, Set<String> resources, Set<String> verbs) {}

  /** A container's env as name → value, or → valueFrom for values taken from elsewhere. */
  static Map<String, Object> env(Map<String, Object> container) {
    return new Manifest(container)
        .maps("env").stream()
            .collect(
                Collectors.toMap(
                    e -> (String) e.get("name"),
                    e -> e.containsKey("value") ? e.get("value") : e.get("valueFrom")));
  }

  /** One YAML object, read with dotted paths. */
  record Manifest(Map<String, Object> body) {

    static List<Manifest> parseAll(String yaml) {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(false);
      List<Manifest> all = new ArrayList<>();
      for (Object document :
          new Yaml(new SafeConstructor(options)).loadAll(new StringReader(yaml))) {
        if (document != null) {
          all.add(new Manifest(cast(document)));
        }
      }
      return all;
    }

    String kind() {
      return (String) body.get("kind");
    }

    String name() {
      return (String) at("metadata.name");
    }

    String namespace() {
      return Objects.toString(at("metadata.namespace"), "");
    }

    Object at(String path) {
      Object here = body;
      for (String key : path.split("\\.")) {
        if (!(here instanceof Map<?, ?> map)) {
          return null;
        }
        here = map.get(key);
      }
      return here;
    }

    Map<String, Object> map(String path) {
      Object found = at(path);
      assertThat(found).as("%s of %s %s", path, kind(), name()).isInstanceOf(Map.class);
      return cast(found);
    }

    List<Map<String, Object>> maps(String path) {
      Object found = at(path);
      assertThat(found).as("%s of %s %s", path, kind(), name()).isInstanceOf(List.class);
      return cast(found);
    }

    List<Object> list(String path) {
      return cast(at(path));
    }

    List<Rule> rules() {
      return maps("rules").stream()
          .map(
              r ->
                  new Rule(
                      Set.copyOf(Manifest.<List<String>>cast(r.get("apiGroups"))),
                      Set.copyOf(Manifest.<List<String>>cast(r.get("resources"))),
                      Set.copyOf(Manifest.<List<String>>cast(r.get("verbs")))))
          .toList();
    }

    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
      return (T) value;
    }
  }
}
