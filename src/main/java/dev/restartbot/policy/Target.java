package dev.restartbot.policy;

import java.util.Objects;

/** One workload to restart: cluster, kind, namespace and name, already validated. */
public record Target(String cluster, WorkloadKind kind, String namespace, String name) {

  /**
   * The name of the one cluster a bot serves when {@code restart.clusters} is not set, and of the
   * cluster of a request stored before targets had one. Shown nowhere: a bot of one cluster reads
   * as it did before it could serve several.
   */
  public static final String DEFAULT_CLUSTER = "default";

  public Target {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
  }

  /** A target in the {@value #DEFAULT_CLUSTER} cluster. */
  public Target(WorkloadKind kind, String namespace, String name) {
    this(DEFAULT_CLUSTER, kind, namespace, name);
  }

  /** {@code deployment/payments-api}, as kubectl names it. */
  public String ref() {
    return kind.singular() + "/" + name;
  }

  /** Whether the cluster is one that was named in {@code restart.clusters}, and so is shown. */
  public boolean inNamedCluster() {
    return !DEFAULT_CLUSTER.equals(cluster);
  }

  /**
   * {@code payments/deployment/payments-api}, or {@code eu-prod/payments/deployment/payments-api}
   * in a named cluster: unique across namespaces and clusters. The {@value #DEFAULT_CLUSTER}
   * cluster keeps the key it had before there were clusters, so that what a bot of one cluster
   * stored (its target locks) still means the same target.
   */
  public String key() {
    String inCluster = namespace + "/" + ref();
    return inNamedCluster() ? cluster + "/" + inCluster : inCluster;
  }

  @Override
  public String toString() {
    return key();
  }
}
