package dev.restartbot.policy;

import java.util.Locale;
import java.util.Optional;

/**
 * The workload kinds that can be restarted: those {@code kubectl rollout restart} supports, and
 * Argo Rollouts' {@code Rollout} where the cluster serves it.
 */
public enum WorkloadKind {
  DEPLOYMENT("deployment", "deployments", "deploy"),
  STATEFULSET("statefulset", "statefulsets", "sts"),
  DAEMONSET("daemonset", "daemonsets", "ds"),
  /** {@code argoproj.io/v1alpha1} {@code Rollout}, restarted as {@code kubectl argo rollouts}. */
  ROLLOUT("rollout", "rollouts", "ro");

  private final String singular;
  private final String plural;
  private final String shortName;

  WorkloadKind(String singular, String plural, String shortName) {
    this.singular = singular;
    this.plural = plural;
    this.shortName = shortName;
  }

  /** The lower-case singular name kubectl prints, e.g. {@code deployment}. */
  public String singular() {
    return singular;
  }

  /** The plural, which is also the policy key for this kind's names. */
  public String plural() {
    return plural;
  }

  /** Accepts singular, plural and kubectl's short name, in any case. */
  public static Optional<WorkloadKind> parse(String text) {
    String t = text.toLowerCase(Locale.ROOT);
    for (WorkloadKind kind : values()) {
      if (t.equals(kind.singular) || t.equals(kind.plural) || t.equals(kind.shortName)) {
        return Optional.of(kind);
      }
    }
    return Optional.empty();
  }
}
