package dev.restartbot.restart;

import dev.restartbot.policy.Target;
import dev.restartbot.policy.WorkloadKind;
import java.util.List;
import java.util.Objects;

/**
 * Which workloads a {@code /restart -l} command means: those of {@code kinds} in one namespace of
 * one cluster whose labels match {@code selector}. It is resolved once, when asked, to an explicit
 * list; a workload that starts matching later is not part of the request.
 */
public record Selection(
    String cluster, String namespace, List<WorkloadKind> kinds, Selector selector) {

  public Selection {
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(namespace, "namespace");
    kinds = List.copyOf(kinds);
    if (kinds.isEmpty()) {
      throw new IllegalArgumentException("a selection names at least one kind");
    }
    Objects.requireNonNull(selector, "selector");
  }

  /** Whether the cluster is one that was named in {@code restart.clusters}, and so is shown. */
  public boolean inNamedCluster() {
    return !Target.DEFAULT_CLUSTER.equals(cluster);
  }
}
