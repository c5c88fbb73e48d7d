package dev.restartbot.cluster;

import io.fabric8.kubernetes.api.model.NamedContext;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.quarkus.runtime.configuration.ConfigurationException;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Makes the fleet at start, from {@code restart.clusters}: one client per cluster. Anything that
 * cannot work (an unknown context, a file that cannot be read, two sources for one cluster, no
 * default among several) stops the start with a message that names the cluster and the setting.
 */
public class ClusterBeans {

  private static final Logger LOG = Logger.getLogger(ClusterBeans.class);

  /** Cluster names go into commands, messages and lock keys: a DNS label keeps them plain. */
  static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** How a cluster's client is made from its settings; tests and the sandbox bring their own. */
  @FunctionalInterface
  public interface Connector {
    KubernetesClient connect(String name, ClusterConfig.Source source);
  }

  /**
   * Made at start: the policy and the store, both {@code @Startup}, need the names. Not
   * {@code @Startup} itself, so that the sandbox's fleet can take its place without this one being
   * made.
   */
  @Produces
  @Singleton
  Clusters clusters(ClusterConfig config, KubernetesClient own) {
    Config defaults = own.getConfiguration();
    // One serialization for the fleet: each client would otherwise build its own ObjectMapper and
    // its caches of the whole Kubernetes model, about 2 MiB of heap a cluster.
    KubernetesSerialization serialization = own.getKubernetesSerialization();
    return startOrStop(
        config, own, (name, source) -> connect(name, source, defaults, serialization));
  }

  void close(@Disposes Clusters clusters) {
    clusters.close();
  }

  /** The fleet, or a {@link ConfigurationException} whose message Quarkus prints alone. */
  public static Clusters startOrStop(
      ClusterConfig config, KubernetesClient own, Connector connector) {
    try {
      Clusters clusters = fleet(config, own, connector);
      LOG.infof(
          "clusters: %s (default %s)",
          String.join(", ", clusters.names()), clusters.defaultCluster());
      return clusters;
    } catch (ClusterConfigException e) {
      throw new ConfigurationException(e.getMessage());
    }
  }

  /**
   * The fleet that {@code config} names; {@code own} is the bot's own client (as kubectl finds the
   * cluster), which serves {@code in-cluster: true} and the bot without {@code restart.clusters}.
   */
  static Clusters fleet(ClusterConfig config, KubernetesClient own, Connector connector) {
    // Sorted, so that lists of names read the same on every replica and every start.
    Map<String, ClusterConfig.Source> sources = new TreeMap<>(config.clusters());
    if (sources.isEmpty()) {
      config
          .defaultCluster()
          .filter(name -> !name.equals(Clusters.DEFAULT))
          .ifPresent(
              name -> {
                throw new ClusterConfigException(
                    "restart.default-cluster: names %s, but restart.clusters names no clusters;"
                            .formatted(name)
                        + " name them there, or remove restart.default-cluster");
              });
      return Clusters.single(own);
    }
    sources.forEach(ClusterBeans::check);
    String defaultCluster = defaultCluster(config.defaultCluster(), List.copyOf(sources.keySet()));
    Map<String, KubernetesClient> clients = new LinkedHashMap<>();
    Set<KubernetesClient> made = new HashSet<>();
    try {
      for (Map.Entry<String, ClusterConfig.Source> entry : sources.entrySet()) {
        if (entry.getValue().inCluster()) {
          clients.put(entry.getKey(), own);
        } else {
          KubernetesClient client = connector.connect(entry.getKey(), entry.getValue());
          made.add(client);
          clients.put(entry.getKey(), client);
        }
      }
    } catch (RuntimeException e) {
      made.forEach(KubernetesClient::close);
      throw e;
    }
    return new Clusters(clients, defaultCluster, made);
  }

  private static void check(String name, ClusterConfig.Source source) {
    String key = "restart.clusters." + name;
    if (name.equals(Clusters.DEFAULT)) {
      throw new ClusterConfigException(
          key
              + ": the name default is kept for the one cluster of a bot without restart.clusters;"
              + " give this cluster a name of its own (such as eu-prod)");
    }
    if (!NAME.matcher(name).matches()) {
      throw new ClusterConfigException(
          key + ": not a usable cluster name; use lower-case letters, digits and '-', at most 63");
    }
    boolean file = source.kubeconfig().isPresent();
    boolean context = source.context().isPresent();
    if (source.inCluster() && (file || context)) {
      throw new ClusterConfigException(
          key + ": in-cluster: true is the bot's own cluster; remove its context or kubeconfig");
    }
    if (!source.inCluster() && !file && !context) {
      throw new ClusterConfigException(
          key + ": says nowhere to find the cluster; set its context, kubeconfig or in-cluster");
    }
  }

  private static String defaultCluster(Optional<String> configured, List<String> names) {
    if (configured.isEmpty()) {
      if (names.size() == 1) {
        return names.get(0);
      }
      throw new ClusterConfigException(
          "restart.default-cluster: required when more than one cluster is named (%s): it is the cluster of a command without --cluster"
              .formatted(String.join(", ", names)));
    }
    if (!names.contains(configured.get())) {
      throw new ClusterConfigException(
          "restart.default-cluster: no cluster is named %s; the clusters are %s"
              .formatted(configured.get(), String.join(", ", names)));
    }
    return configured.get();
  }

  /**
   * A client from a context of the kubeconfig {@code KUBECONFIG} names, or from a file of its own,
   * with the bot's own client's retries and timeouts.
   */
  static KubernetesClient connect(String name, ClusterConfig.Source source, Config defaults) {
    return connect(name, source, defaults, new KubernetesSerialization());
  }

  /** As {@link #connect(String, ClusterConfig.Source, Config)}, sharing {@code serialization}. */
  static KubernetesClient connect(
      String name,
      ClusterConfig.Source source,
      Config defaults,
      KubernetesSerialization serialization) {
    String key = "restart.clusters." + name;
    Config config;
    if (source.kubeconfig().isPresent()) {
      Path file = Path.of(source.kubeconfig().get());
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new ClusterConfigException(
            "%s.kubeconfig: cannot read %s (is the Secret mounted there?)".formatted(key, file));
      }
      try {
        config = Config.fromKubeconfig(source.context().orElse(null), file.toFile());
      } catch (RuntimeException e) {
        throw new ClusterConfigException(
            "%s.kubeconfig: %s is not a usable kubeconfig: %s"
                .formatted(key, file, e.getMessage()));
      }
      source.context().ifPresent(c -> requireContext(config, c, key, "in " + file));
      if (config.getMasterUrl() == null || config.getContexts().isEmpty()) {
        throw new ClusterConfigException(
            "%s.kubeconfig: %s names no cluster to reach".formatted(key, file));
      }
    } else {
      String context = source.context().orElseThrow();
      config = Config.autoConfigure(context);
      requireContext(
          config,
          context,
          key,
          "in the kubeconfig (KUBECONFIG: "
              + Optional.ofNullable(System.getenv("KUBECONFIG")).orElse("unset, ~/.kube/config")
              + ")");
    }
    Config tuned =
        new ConfigBuilder(config)
            .withRequestRetryBackoffLimit(defaults.getRequestRetryBackoffLimit())
            .withRequestRetryBackoffInterval(defaults.getRequestRetryBackoffInterval())
            .withConnectionTimeout(defaults.getConnectionTimeout())
            .withRequestTimeout(defaults.getRequestTimeout())
            .build();
    return new KubernetesClientBuilder()
        .withConfig(tuned)
        .withKubernetesSerialization(serialization)
        .build();
  }

  private static void requireContext(Config config, String context, String key, String where) {
    List<NamedContext> contexts = config.getContexts();
    boolean known =
        contexts != null && contexts.stream().anyMatch(c -> context.equals(c.getName()));
    if (!known) {
      throw new ClusterConfigException(
          "%s.context: no context named %s %s".formatted(key, context, where));
    }
  }

  /** A cluster setting that cannot work; the message names it. */
  static final class ClusterConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ClusterConfigException(String message) {
      super(message, null, false, false);
    }
  }
}
