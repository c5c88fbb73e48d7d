package dev.restartbot.policy;

import java.util.Objects;

/** One workload to restart: kind, namespace and name, already validated. */
public record Target(WorkloadKind kind, String namespace, String name) {

  public Target {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
  }

  /** {@code deployment/payments-api}, as kubectl names it. */
  public String ref() {
    return kind.singular() + "/" + name;
  }

  /** {@code payments/deployment/payments-api}: unique across namespaces. */
  public String key() {
    return namespace + "/" + ref();
  }

  @Override
  public String toString() {
    return key();
  }
}
