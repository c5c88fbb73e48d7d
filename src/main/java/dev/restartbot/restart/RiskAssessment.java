package dev.restartbot.restart;

import dev.restartbot.policy.WorkloadKind;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the {@link Risk}s of restarting a workload from what was read of it and of its namespace's
 * quotas. Pure: no client, no I/O, so that the arithmetic can be held against the Deployment
 * controller's own rules in unit tests.
 */
public final class RiskAssessment {

  /** How the workload replaces its pods. */
  public enum Strategy {
    ROLLING_UPDATE,
    RECREATE,
    ON_DELETE
  }

  /**
   * The facts of a workload that its risks depend on.
   *
   * @param updated replicas (or scheduled pods, for a DaemonSet) already on the newest template
   * @param maxSurge as written ({@code 1}, {@code 25%}); empty means the kind's default
   * @param containerRequests per container, what it requests (a container's limit stands in for a
   *     request it does not set, as the API server defaults it)
   */
  public record Shape(
      WorkloadKind kind,
      int desired,
      int ready,
      int updated,
      long generation,
      long observedGeneration,
      Strategy strategy,
      Optional<String> maxSurge,
      List<Map<String, String>> containerRequests) {
    public Shape {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(strategy, "strategy");
      maxSurge = Objects.requireNonNullElse(maxSurge, Optional.empty());
      containerRequests = containerRequests.stream().map(Map::copyOf).toList();
    }
  }

  /** One ResourceQuota: its {@code status.hard} (or {@code spec.hard}) and {@code status.used}. */
  public record Quota(String name, Map<String, String> hard, Map<String, String> used) {
    public Quota {
      hard = Map.copyOf(hard);
      used = Map.copyOf(used);
    }
  }

  /** The namespace's quotas as read, or why they could not be. */
  public sealed interface Quotas {
    record Read(List<Quota> quotas) implements Quotas {
      public Read {
        quotas = List.copyOf(quotas);
      }
    }

    record Unreadable(String apiMessage) implements Quotas {}
  }

  /** The Deployment controller's default {@code maxSurge} (and {@code maxUnavailable}). */
  static final String DEPLOYMENT_DEFAULT_SURGE = "25%";

  private static final Pattern QUANTITY =
      Pattern.compile(
          "([+-]?(?:\\d+\\.?\\d*|\\.\\d+))(?:([eE][+-]?\\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?");

  private RiskAssessment() {}

  /** Every risk of restarting the workload, in the order the approval message lists them. */
  public static List<Risk> of(Shape shape, Quotas quotas) {
    List<Risk> risks = new ArrayList<>();
    if (shape.kind() == WorkloadKind.DEPLOYMENT && shape.strategy() == Strategy.RECREATE) {
      risks.add(new Risk.Recreate());
    }
    OptionalInt surge = surgePods(shape);
    if (shape.desired() == 1
        && ((shape.kind() == WorkloadKind.STATEFULSET)
            // A Rollout's restart evicts its one pod before a new one starts.
            || (shape.kind() == WorkloadKind.ROLLOUT)
            || (shape.kind() == WorkloadKind.DEPLOYMENT
                && shape.strategy() == Strategy.ROLLING_UPDATE
                && surge.orElse(1) == 0))) {
      risks.add(new Risk.NoSparePod());
    }
    if (shape.ready() < shape.desired()) {
      risks.add(new Risk.NotHealthy(shape.ready(), shape.desired()));
    }
    if (shape.observedGeneration() < shape.generation() || shape.updated() < shape.desired()) {
      risks.add(new Risk.RolloutInProgress());
    }
    if (surge.isPresent() && surge.getAsInt() > 0) {
      if (quotas instanceof Quotas.Unreadable unreadable) {
        risks.add(new Risk.QuotaUnchecked(unreadable.apiMessage()));
      } else {
        quotaFull(surge.getAsInt(), shape.containerRequests(), ((Quotas.Read) quotas).quotas())
            .ifPresent(risks::add);
      }
    }
    return risks;
  }

  /**
   * The pods a restart adds on top of the desired ones: {@code maxSurge} of a rolling Deployment
   * (or DaemonSet), resolved as the controller resolves it; none for {@code Recreate}, {@code
   * OnDelete} and StatefulSets, which replace pods one by one. Empty when {@code maxSurge} cannot
   * be read.
   */
  static OptionalInt surgePods(Shape shape) {
    if (shape.strategy() != Strategy.ROLLING_UPDATE || shape.kind() == WorkloadKind.STATEFULSET) {
      return OptionalInt.of(0);
    }
    String surge =
        shape
            .maxSurge()
            .orElse(shape.kind() == WorkloadKind.DEPLOYMENT ? DEPLOYMENT_DEFAULT_SURGE : "0");
    return scaled(surge, shape.desired(), true);
  }

  /**
   * {@code intstr.GetScaledValueFromIntOrPercent}: a number as it is, a percentage of {@code total}
   * rounded up for {@code maxSurge} and down for {@code maxUnavailable}. Empty for anything else.
   */
  static OptionalInt scaled(String intOrPercent, int total, boolean roundUp) {
    String value = intOrPercent.trim();
    try {
      if (!value.endsWith("%")) {
        return OptionalInt.of(Integer.parseInt(value));
      }
      int percent = Integer.parseInt(value.substring(0, value.length() - 1));
      BigDecimal exact =
          BigDecimal.valueOf((long) percent * total)
              .divide(
                  BigDecimal.valueOf(100), 0, roundUp ? RoundingMode.CEILING : RoundingMode.FLOOR);
      return OptionalInt.of(exact.intValueExact());
    } catch (NumberFormatException | ArithmeticException e) {
      return OptionalInt.empty();
    }
  }

  private static Optional<Risk> quotaFull(
      int surge, List<Map<String, String>> containers, List<Quota> quotas) {
    BigDecimal pods = BigDecimal.valueOf(surge);
    BigDecimal cpu = pods.multiply(sum(containers, "cpu"));
    BigDecimal memory = pods.multiply(sum(containers, "memory"));
    for (Quota quota : quotas) {
      Optional<Risk> full =
          exceeds(quota, "pods", pods)
              .or(() -> exceeds(quota, "requests.cpu", cpu))
              .or(() -> exceeds(quota, "cpu", cpu))
              .or(() -> exceeds(quota, "requests.memory", memory))
              .or(() -> exceeds(quota, "memory", memory));
      if (full.isPresent()) {
        return full;
      }
    }
    return Optional.empty();
  }

  private static Optional<Risk> exceeds(Quota quota, String resource, BigDecimal needed) {
    String hard = quota.hard().get(resource);
    if (hard == null || needed.signum() == 0) {
      return Optional.empty();
    }
    Optional<BigDecimal> limit = quantity(hard);
    Optional<BigDecimal> used =
        Optional.ofNullable(quota.used().get(resource))
            .map(RiskAssessment::quantity)
            .orElse(Optional.of(BigDecimal.ZERO));
    if (limit.isEmpty() || used.isEmpty()) {
      return Optional.empty();
    }
    BigDecimal left = limit.get().subtract(used.get()).max(BigDecimal.ZERO);
    return needed.compareTo(left) > 0
        ? Optional.of(new Risk.QuotaFull(quota.name(), resource, needed, left))
        : Optional.empty();
  }

  private static BigDecimal sum(List<Map<String, String>> containers, String resource) {
    BigDecimal total = BigDecimal.ZERO;
    for (Map<String, String> requests : containers) {
      String value = requests.get(resource);
      if (value != null) {
        total = total.add(quantity(value).orElse(BigDecimal.ZERO));
      }
    }
    return total;
  }

  /**
   * A Kubernetes quantity ({@code 500m}, {@code 1Gi}, {@code 2}, {@code 1e3}) in its base unit;
   * empty when it is not one.
   */
  static Optional<BigDecimal> quantity(String text) {
    Matcher parts = QUANTITY.matcher(text.trim());
    if (!parts.matches()) {
      return Optional.empty();
    }
    BigDecimal number = new BigDecimal(parts.group(1));
    if (parts.group(2) != null) {
      return Optional.of(number.scaleByPowerOfTen(Integer.parseInt(parts.group(2).substring(1))));
    }
    String suffix = parts.group(3) == null ? "" : parts.group(3);
    BigDecimal factor =
        switch (suffix) {
          case "" -> BigDecimal.ONE;
          case "n" -> BigDecimal.ONE.scaleByPowerOfTen(-9);
          case "u" -> BigDecimal.ONE.scaleByPowerOfTen(-6);
          case "m" -> BigDecimal.ONE.scaleByPowerOfTen(-3);
          case "k" -> BigDecimal.ONE.scaleByPowerOfTen(3);
          case "M" -> BigDecimal.ONE.scaleByPowerOfTen(6);
          case "G" -> BigDecimal.ONE.scaleByPowerOfTen(9);
          case "T" -> BigDecimal.ONE.scaleByPowerOfTen(12);
          case "P" -> BigDecimal.ONE.scaleByPowerOfTen(15);
          case "E" -> BigDecimal.ONE.scaleByPowerOfTen(18);
          default -> BigDecimal.valueOf(2).pow(10 * ("KMGTPE".indexOf(suffix.charAt(0)) + 1));
        };
    return Optional.of(number.multiply(factor));
  }
}
