package dev.restartbot.restart;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import java.time.Duration;
import java.util.Optional;

/** The executor's settings under {@code restart.*}; the policy owns the allowlist keys. */
@ConfigMapping(prefix = "restart")
public interface RestartConfig {

  /** After a failed target, mark the rest skipped instead of going on. */
  @WithDefault("true")
  boolean stopOnFailure();

  Rollout rollout();

  /**
   * Where requests live: {@code kubernetes} (ConfigMaps in the bot's namespace, shared by every
   * replica) or {@code memory}. Unset: kubernetes inside a cluster, memory elsewhere.
   */
  Optional<StoreKind> store();

  /** The namespace of the cluster store; unset: the service account's namespace. */
  Optional<String> storeNamespace();

  /** How long finished requests are kept before the sweep deletes them. */
  @WithDefault("30d")
  Duration storeRetention();

  /**
   * How long a run's claim lasts without renewal before another replica may take its runner for
   * dead. Runners renew every sixth of it, and stop starting targets after half of it without a
   * renewal.
   */
  @WithDefault("30s")
  Duration leaseDuration();

  /**
   * On shutdown, how long a running target may take to finish before the process exits; keep it
   * below the Deployment's {@code terminationGracePeriodSeconds}.
   */
  @WithDefault("90s")
  Duration shutdownGrace();

  /**
   * How often each cluster's API server is asked whether it answers, for readiness's details and
   * the {@code restartbot.cluster.reachable} gauge (read by the scheduler).
   */
  @WithDefault("30s")
  Duration healthRefreshEvery();

  /** {@code restart.rollout.*}. */
  interface Rollout {

    /** Follow each rollout to its end before the next target; false: the patch is the end. */
    @WithName("wait")
    @WithDefault("true")
    boolean waitForRollout();

    /** How long one rollout may take before it counts as timed out. */
    @WithDefault("10m")
    Duration timeout();
  }
}
