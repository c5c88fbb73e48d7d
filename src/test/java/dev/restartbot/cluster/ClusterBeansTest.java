package dev.restartbot.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet as {@code restart.clusters} describes it: one client per cluster, made once, and a
 * start that stops, naming the cluster and the setting, on anything that cannot work.
 */
class ClusterBeansTest {

  private final KubernetesClient own = mock(KubernetesClient.class);
  private final List<String> connected = new ArrayList<>();
  private final List<KubernetesClient> made = new ArrayList<>();
  private final Config defaults =
      new ConfigBuilder(Config.empty())
          .withRequestRetryBackoffLimit(3)
          .withRequestTimeout(2_000)
          .build();

  @TempDir Path dir;

  /**
   * The fabric8 mock servers of other tests in the same JVM turn reading a kubeconfig off through
   * these system properties; a context can only be found with it on.
   */
  private static final List<String> AUTO_CONFIG =
      List.of("kubeconfig", "kubernetes.auth.tryKubeConfig", "kubernetes.disable.autoConfig");

  private final Map<String, String> before = new java.util.HashMap<>();

  @BeforeEach
  void readKubeconfigs() {
    AUTO_CONFIG.forEach(key -> before.put(key, System.getProperty(key)));
    System.setProperty("kubernetes.auth.tryKubeConfig", "true");
    System.setProperty("kubernetes.disable.autoConfig", "false");
  }

  @AfterEach
  void closeClients() {
    made.forEach(KubernetesClient::close);
    before.forEach(
        (key, value) -> {
          if (value == null) {
            System.clearProperty(key);
          } else {
            System.setProperty(key, value);
          }
        });
  }

  static ClusterConfig load(Map<String, String> properties) {
    return new SmallRyeConfigBuilder()
        .withMapping(ClusterConfig.class)
        .withSources(new PropertiesConfigSource(properties, "test", 100))
        .build()
        .getConfigMapping(ClusterConfig.class);
  }

  private Clusters fleet(Map<String, String> properties) {
    return ClusterBeans.fleet(
        load(properties),
        own,
        (name, source) -> {
          connected.add(name);
          return mock(KubernetesClient.class);
        });
  }

  private Path kubeconfig(String name, String... contexts) throws IOException {
    StringBuilder text =
        new StringBuilder(
            """
            apiVersion: v1
            kind: Config
            clusters:
            - name: c
              cluster:
                server: https://%s.example:6443
            users:
            - name: u
              user:
                token: t
            contexts:
            """
                .formatted(name));
    for (String context : contexts) {
      text.append("- name: %s\n  context:\n    cluster: c\n    user: u\n".formatted(context));
    }
    text.append("current-context: ").append(contexts[0]).append('\n');
    Path file = dir.resolve(name);
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return file;
  }

  private KubernetesClient connect(String name, Map<String, String> source) {
    ClusterConfig.Source settings = load(source).clusters().get(name);
    KubernetesClient client = ClusterBeans.connect(name, settings, defaults);
    made.add(client);
    return client;
  }

  @Test
  void withoutClustersTheBotServesOneClusterNamedDefaultWithItsOwnClient() {
    Clusters clusters = fleet(Map.of());

    assertThat(clusters.names()).containsExactly("default");
    assertThat(clusters.defaultCluster()).isEqualTo("default");
    assertThat(clusters.client("default")).isSameAs(own);
    assertThat(connected).isEmpty();
  }

  @Test
  void eachClusterGetsOneClientAndInClusterSharesTheBotsOwn() {
    Clusters clusters =
        fleet(
            Map.of(
                "restart.clusters.us-prod.kubeconfig", "/etc/restart-bot/clusters/us-prod",
                "restart.clusters.eu-prod.context", "eu-prod",
                "restart.clusters.home.in-cluster", "true",
                "restart.default-cluster", "eu-prod"));

    assertThat(clusters.names()).containsExactly("eu-prod", "home", "us-prod");
    assertThat(connected).containsExactlyInAnyOrder("eu-prod", "us-prod");
    assertThat(clusters.client("home")).isSameAs(own);
    assertThat(clusters.client("eu-prod")).isSameAs(clusters.client("eu-prod")).isNotSameAs(own);
    assertThat(clusters.defaultCluster()).isEqualTo("eu-prod");
    assertThatThrownBy(() -> clusters.client("ap-prod"))
        .isInstanceOf(Clusters.UnknownClusterException.class)
        .hasMessageContaining("ap-prod");
  }

  @Test
  void oneNamedClusterIsTheDefaultWithoutSayingSo() {
    assertThat(fleet(Map.of("restart.clusters.home.in-cluster", "true")).defaultCluster())
        .isEqualTo("home");
  }

  @Test
  void severalClustersWithoutADefaultStopTheStart() {
    assertThatThrownBy(
            () ->
                ClusterBeans.startOrStop(
                    load(
                        Map.of(
                            "restart.clusters.a.in-cluster", "true",
                            "restart.clusters.b.context", "b")),
                    own,
                    (name, source) -> mock(KubernetesClient.class)))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageStartingWith(
            "restart.default-cluster: required when more than one cluster is named (a, b)");
  }

  @Test
  void aDefaultThatNamesNoClusterStopsTheStart() {
    assertThatThrownBy(
            () ->
                fleet(
                    Map.of(
                        "restart.clusters.a.in-cluster", "true",
                        "restart.default-cluster", "c")))
        .hasMessage("restart.default-cluster: no cluster is named c; the clusters are a");
    assertThatThrownBy(() -> fleet(Map.of("restart.default-cluster", "c")))
        .hasMessageStartingWith("restart.default-cluster: names c, but restart.clusters names no");
  }

  @Test
  void aClusterWithNoSourceOrTwoSourcesStopsTheStartNamingIt() {
    assertThatThrownBy(() -> fleet(Map.of("restart.clusters.a.in-cluster", "false")))
        .hasMessageStartingWith("restart.clusters.a: says nowhere to find the cluster");
    assertThatThrownBy(
            () ->
                fleet(
                    Map.of(
                        "restart.clusters.a.in-cluster", "true",
                        "restart.clusters.a.context", "x")))
        .hasMessageStartingWith("restart.clusters.a: in-cluster: true is the bot's own cluster");
  }

  @Test
  void theNameDefaultAndNamesThatAreNotLabelsAreRefused() {
    assertThatThrownBy(() -> fleet(Map.of("restart.clusters.default.in-cluster", "true")))
        .hasMessageStartingWith("restart.clusters.default: the name default is kept");
    assertThatThrownBy(() -> fleet(Map.of("restart.clusters.\"EU_prod\".in-cluster", "true")))
        .hasMessageStartingWith("restart.clusters.EU_prod: not a usable cluster name");
  }

  @Test
  void aKubeconfigFileThatCannotBeReadStopsTheStartNamingTheClusterAndTheSetting() {
    Path missing = dir.resolve("us-prod");

    assertThatThrownBy(
            () -> connect("us-prod", Map.of("restart.clusters.us-prod.kubeconfig", "" + missing)))
        .hasMessage(
            "restart.clusters.us-prod.kubeconfig: cannot read %s (is the Secret mounted there?)"
                .formatted(missing));
  }

  @Test
  void aKubeconfigFileGivesAClientOfThatClusterWithTheBotsRetries() throws IOException {
    Path file = kubeconfig("us-prod", "remote");

    KubernetesClient client =
        connect("us-prod", Map.of("restart.clusters.us-prod.kubeconfig", file.toString()));

    assertThat(client.getConfiguration().getMasterUrl()).startsWith("https://us-prod.example:6443");
    assertThat(client.getConfiguration().getRequestRetryBackoffLimit()).isEqualTo(3);
    assertThat(client.getConfiguration().getRequestTimeout()).isEqualTo(2_000);
  }

  @Test
  void theFleetSharesTheBotsOwnSerializationInsteadOfOneModelCacheACluster() throws IOException {
    Path file = kubeconfig("us-prod", "remote");
    try (KubernetesClient home = new KubernetesClientBuilder().withConfig(defaults).build()) {
      Clusters clusters =
          new ClusterBeans()
              .clusters(load(Map.of("restart.clusters.us-prod.kubeconfig", file.toString())), home);
      try {
        assertThat(clusters.client("us-prod")).isNotSameAs(home);
        assertThat(clusters.client("us-prod").getKubernetesSerialization())
            .isSameAs(home.getKubernetesSerialization());
      } finally {
        clusters.close();
      }
    }
  }

  @Test
  void anUnknownContextStopsTheStartNamingTheClusterAndTheSetting() throws IOException {
    Path file = kubeconfig("eu-prod", "eu-prod", "eu-staging");
    System.setProperty("kubeconfig", file.toString());

    assertThatThrownBy(
            () -> connect("eu-prod", Map.of("restart.clusters.eu-prod.context", "eu-prd")))
        .hasMessageStartingWith(
            "restart.clusters.eu-prod.context: no context named eu-prd in the kubeconfig");
    assertThatThrownBy(
            () ->
                connect(
                    "eu-prod",
                    Map.of(
                        "restart.clusters.eu-prod.kubeconfig",
                        file.toString(),
                        "restart.clusters.eu-prod.context",
                        "nope")))
        .hasMessage("restart.clusters.eu-prod.context: no context named nope in " + file);
    assertThat(
            connect("eu-prod", Map.of("restart.clusters.eu-prod.context", "eu-staging"))
                .getConfiguration()
                .getCurrentContext()
                .getName())
        .isEqualTo("eu-staging");
  }
}
