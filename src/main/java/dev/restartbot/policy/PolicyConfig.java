package dev.restartbot.policy;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The allowlist and approval settings under {@code restart.*}; other features map their own keys
 * under the same prefix, so this interface names only what the policy and the command need.
 */
@ConfigMapping(prefix = "restart")
public interface PolicyConfig {

  /** The namespace of a command that does not say {@code -n}. */
  @WithDefault("default")
  String defaultNamespace();

  Approval approval();

  /** The most targets one command may name. */
  @WithDefault("20")
  int maxTargets();

  /** The allowlist; none configured means every request is refused. */
  List<RuleConfig> rules();

  /** {@code restart.approval.*}. */
  interface Approval {

    /** Whether a rule that does not say {@code approval-required} needs an approver. */
    @WithDefault("true")
    boolean required();

    /** How long a request waits for a decision before it expires. */
    @WithDefault("15m")
    Duration ttl();

    @WithDefault("false")
    boolean allowSelfApproval();

    /** How often pending requests past their ttl are swept (read by the scheduler). */
    @WithDefault("30s")
    Duration sweepEvery();
  }

  /** One entry of {@code restart.rules}; see {@link Rule} for what each list means. */
  interface RuleConfig {

    /** Cluster names or globs; required when more than one cluster is configured. */
    Optional<List<String>> clusters();

    String namespace();

    Optional<List<String>> deployments();

    Optional<List<String>> statefulsets();

    Optional<List<String>> daemonsets();

    /** Argo Rollouts' {@code Rollout}s, by name or glob. */
    Optional<List<String>> rollouts();

    Optional<List<String>> requesters();

    Optional<List<String>> approvers();

    Optional<List<String>> channels();

    Optional<Boolean> approvalRequired();

    /** Distinct approvers needed (default 1); the largest of the admitting rules holds. */
    Optional<Integer> approvals();

    /** Overrides {@code restart.approval.ttl}; the shortest of the admitting rules holds. */
    Optional<Duration> approvalTtl();
  }
}
