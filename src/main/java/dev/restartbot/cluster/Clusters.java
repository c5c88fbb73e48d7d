package dev.restartbot.cluster;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The clusters the bot serves, each with the one client made for it at start and shared by
 * everything that reads, patches, follows or records in that cluster. A client opens connections
 * only when used: a cluster nobody asks about costs its client object and no more, and nothing is
 * watched there unless a rollout is being followed.
 */
public final class Clusters {

  /** The name of the one cluster of a bot without {@code restart.clusters}. */
  public static final String DEFAULT = "default";

  private final Map<String, KubernetesClient> clients;
  private final String defaultCluster;
  private final Set<KubernetesClient> owned;

  /**
   * @param clients by name, in the order they are listed
   * @param defaultCluster one of their names
   * @param owned the clients made for the fleet, closed with it (not the bot's own)
   */
  public Clusters(
      Map<String, KubernetesClient> clients, String defaultCluster, Set<KubernetesClient> owned) {
    if (clients.isEmpty()) {
      throw new IllegalArgumentException("at least one cluster");
    }
    if (!clients.containsKey(defaultCluster)) {
      throw new IllegalArgumentException("no cluster named " + defaultCluster);
    }
    this.clients = new LinkedHashMap<>(clients);
    this.defaultCluster = defaultCluster;
    this.owned = Set.copyOf(owned);
  }

  /** One cluster, {@value #DEFAULT}, reached with {@code client}: a bot as it was before fleets. */
  public static Clusters single(KubernetesClient client) {
    return new Clusters(Map.of(DEFAULT, client), DEFAULT, Set.of());
  }

  public List<String> names() {
    return new ArrayList<>(clients.keySet());
  }

  public String defaultCluster() {
    return defaultCluster;
  }

  public boolean has(String name) {
    return clients.containsKey(name);
  }

  /**
   * The client of cluster {@code name}.
   *
   * @throws UnknownClusterException when no cluster has that name (one a stored request names, and
   *     the configuration no longer does)
   */
  public KubernetesClient client(String name) {
    KubernetesClient client = clients.get(Objects.requireNonNull(name, "name"));
    if (client == null) {
      throw new UnknownClusterException(name);
    }
    return client;
  }

  /** Closes the clients made for the fleet; the bot's own client is Quarkus's to close. */
  void close() {
    owned.forEach(KubernetesClient::close);
  }

  /** A cluster name that the configuration does not have. */
  public static final class UnknownClusterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnknownClusterException(String name) {
      super("no cluster named " + name + " is configured (restart.clusters)");
    }
  }
}
