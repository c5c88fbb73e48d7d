package dev.restartbot.restart;

import java.math.BigDecimal;

/**
 * What a restart may disrupt, as read from the workload and its namespace at request time
 * (DESIGN.md §7.2). Values only: the Slack edge words them, one {@code :warning:} line each.
 */
public sealed interface Risk {

  /** The Deployment uses {@code Recreate}: every pod stops before new ones start. */
  record Recreate() implements Risk {}

  /** One desired replica and no surge: the only pod goes away before its successor is ready. */
  record NoSparePod() implements Risk {}

  /** Fewer replicas are ready than desired now: restarting may take down the rest. */
  record NotHealthy(int ready, int desired) implements Risk {}

  /** A rollout is already under way: the controller has not caught up, or not every pod is new. */
  record RolloutInProgress() implements Risk {}

  /**
   * A ResourceQuota leaves no room for the pods the rollout adds: it would stall.
   *
   * @param resource the quota's key ({@code pods}, {@code requests.cpu}, {@code requests.memory})
   * @param needed what the surge pods ask for, in the resource's base unit (cores, bytes, pods)
   * @param left the quota's hard limit minus what is used, in the same unit
   */
  record QuotaFull(String quota, String resource, BigDecimal needed, BigDecimal left)
      implements Risk {}

  /** The quotas could not be read, so there is no telling whether the surge fits. */
  record QuotaUnchecked(String apiMessage) implements Risk {}
}
