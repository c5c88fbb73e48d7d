package dev.restartbot.cluster;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Map;
import java.util.Optional;

/**
 * The clusters the bot serves, under {@code restart.clusters} and {@code restart.default-cluster}.
 */
@ConfigMapping(prefix = "restart")
public interface ClusterConfig {

  /** By name; none: one cluster, found as kubectl finds it, named {@code default}. */
  Map<String, Source> clusters();

  /** The cluster of a command without {@code --cluster}; required with more than one cluster. */
  Optional<String> defaultCluster();

  /** Where one cluster's client comes from: exactly one of the three. */
  interface Source {

    /** A context of the kubeconfig that {@code KUBECONFIG} names (or of {@link #kubeconfig}). */
    Optional<String> context();

    /** A kubeconfig file of the cluster's own, such as a mounted Secret. */
    Optional<String> kubeconfig();

    /** The cluster the bot runs in: its own client, the one that also holds the request store. */
    @WithDefault("false")
    boolean inCluster();
  }
}
