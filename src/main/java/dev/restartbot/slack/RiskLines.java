package dev.restartbot.slack;

import dev.restartbot.restart.GitOpsOwner;
import dev.restartbot.restart.Risk;
import dev.restartbot.restart.WorkloadSnapshot;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * Words what a target's restart may disrupt, one {@code :warning:} line per risk, and who manages
 * it, one {@code :information_source:} line (DESIGN.md §7.2). Nothing when there is nothing to say.
 */
final class RiskLines {

  private static final BigDecimal MEBI = BigDecimal.valueOf(1024L * 1024);
  private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

  private RiskLines() {}

  /** The lines of one target, risks first, then its owner. */
  static List<String> of(WorkloadSnapshot snapshot) {
    List<String> lines = new ArrayList<>();
    snapshot.risks().forEach(risk -> lines.add(line(risk)));
    snapshot.owner().ifPresent(owner -> lines.add(owner(owner)));
    return lines;
  }

  // Java 17 has no pattern-matching switch; RenderingTest walks the permitted subtypes, so a risk
  // that reaches the end of this chain fails the build.
  static String line(Risk risk) {
    if (risk instanceof Risk.Recreate) {
      return ":warning: Strategy `Recreate`: every pod stops before the new ones start.";
    }
    if (risk instanceof Risk.NoSparePod) {
      return ":warning: No spare pod: one replica and no surge, so it is down until the new pod"
          + " is ready.";
    }
    if (risk instanceof Risk.NotHealthy n) {
      return ":warning: Not healthy now: %d/%d ready; restarting may take down the rest."
          .formatted(n.ready(), n.desired());
    }
    if (risk instanceof Risk.RolloutInProgress) {
      return ":warning: A rollout is already in progress.";
    }
    if (risk instanceof Risk.QuotaFull q) {
      return (":warning: ResourceQuota %s has no room for the surge: it needs %s of %s, %s"
              + " left; the rollout would stall.")
          .formatted(
              Messages.verbatim(q.quota()),
              amount(q.resource(), q.needed()),
              Messages.verbatim(q.resource()),
              amount(q.resource(), q.left()));
    }
    if (risk instanceof Risk.QuotaUnchecked u) {
      return ":warning: Quota check skipped: I could not read the namespace's ResourceQuotas: %s"
          .formatted(Messages.sentence(Messages.escape(u.apiMessage())));
    }
    throw new IllegalStateException("no words for risk " + risk.getClass().getName());
  }

  static String owner(GitOpsOwner owner) {
    if (owner instanceof GitOpsOwner.ArgoCd a) {
      return ":information_source: Managed by Argo CD app %s: Git, not this restart, defines"
              .formatted(Messages.verbatim(a.app()))
          + " what runs.";
    }
    if (owner instanceof GitOpsOwner.FluxKustomization k) {
      return ":information_source: Managed by Flux Kustomization %s: Git, not this restart,"
              .formatted(qualified(k.namespace(), k.name()))
          + " defines what runs.";
    }
    if (owner instanceof GitOpsOwner.FluxHelmRelease h) {
      return ":information_source: Managed by Flux HelmRelease %s: Git, not this restart,"
              .formatted(qualified(h.namespace(), h.name()))
          + " defines what runs.";
    }
    throw new IllegalStateException("no words for owner " + owner.getClass().getName());
  }

  private static String qualified(String namespace, String name) {
    return Messages.verbatim(namespace.isEmpty() ? name : namespace + "/" + name);
  }

  /** CPU in cores or millicores, memory in MiB, pods as a count, as {@code kubectl} shows them. */
  static String amount(String resource, BigDecimal value) {
    if (resource.endsWith("cpu")) {
      return value.compareTo(BigDecimal.ONE) < 0
          ? value.multiply(THOUSAND).setScale(0, RoundingMode.CEILING).toPlainString() + "m"
          : value.stripTrailingZeros().toPlainString();
    }
    if (resource.endsWith("memory")) {
      return value.divide(MEBI, 0, RoundingMode.CEILING).toPlainString() + "Mi";
    }
    return value.stripTrailingZeros().toPlainString();
  }
}
