package dev.restartbot.policy;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One allowlist entry: which workloads it covers, who may ask, who may approve and from where.
 *
 * @param clusters cluster names or globs; empty means every cluster (allowed only while the bot
 *     serves one)
 * @param namespace the namespace, or a glob over namespaces
 * @param names per kind, the workload names or globs the rule covers; a kind left out covers none
 * @param requesters user ids ({@code U…}, {@code W…}) or user-group ids ({@code S…}); empty means
 *     any member of the workspace, but never a guest or an external user
 * @param approvers user ids or user-group ids
 * @param channels channel ids, each admitted whatever its kind; empty (or {@code ["*"]}) means
 *     every conversation the bot is in, as DESIGN.md §5 fixes it
 * @param approvalRequired overrides the policy's default when present
 * @param approvals how many distinct approvers a request this rule admits needs (the requester
 *     never counts); one when absent
 * @param approvalTtl overrides {@code restart.approval.ttl} for requests this rule admits
 */
public record Rule(
    List<String> clusters,
    String namespace,
    Map<WorkloadKind, List<String>> names,
    List<String> requesters,
    List<String> approvers,
    List<String> channels,
    Optional<Boolean> approvalRequired,
    Optional<Integer> approvals,
    Optional<Duration> approvalTtl) {

  /** The {@code channels} entry that admits every conversation, whatever its kind. */
  public static final String ANY_CONVERSATION = "*";

  public Rule {
    clusters = List.copyOf(clusters);
    Map<WorkloadKind, List<String>> copy = new EnumMap<>(WorkloadKind.class);
    names.forEach((kind, list) -> copy.put(kind, List.copyOf(list)));
    names = Collections.unmodifiableMap(copy);
    requesters = List.copyOf(requesters);
    approvers = List.copyOf(approvers);
    channels = List.copyOf(channels);
    approvals = Objects.requireNonNullElse(approvals, Optional.empty());
    approvalTtl = Objects.requireNonNullElse(approvalTtl, Optional.empty());
  }

  /**
   * A rule for every cluster that leaves the number of approvals and the ttl to the defaults, as a
   * bot of one cluster writes its rules.
   */
  public Rule(
      String namespace,
      Map<WorkloadKind, List<String>> names,
      List<String> requesters,
      List<String> approvers,
      List<String> channels,
      Optional<Boolean> approvalRequired) {
    this(List.of(), namespace, names, requesters, approvers, channels, approvalRequired);
  }

  /** A rule that leaves the number of approvals and the ttl to the defaults. */
  public Rule(
      List<String> clusters,
      String namespace,
      Map<WorkloadKind, List<String>> names,
      List<String> requesters,
      List<String> approvers,
      List<String> channels,
      Optional<Boolean> approvalRequired) {
    this(
        clusters,
        namespace,
        names,
        requesters,
        approvers,
        channels,
        approvalRequired,
        Optional.empty(),
        Optional.empty());
  }

  /** A rule for every cluster, as a bot of one cluster writes its rules. */
  public Rule(
      String namespace,
      Map<WorkloadKind, List<String>> names,
      List<String> requesters,
      List<String> approvers,
      List<String> channels,
      Optional<Boolean> approvalRequired,
      Optional<Integer> approvals,
      Optional<Duration> approvalTtl) {
    this(
        List.of(),
        namespace,
        names,
        requesters,
        approvers,
        channels,
        approvalRequired,
        approvals,
        approvalTtl);
  }

  public static Rule from(PolicyConfig.RuleConfig config) {
    Map<WorkloadKind, List<String>> names = new EnumMap<>(WorkloadKind.class);
    config.deployments().ifPresent(list -> names.put(WorkloadKind.DEPLOYMENT, list));
    config.statefulsets().ifPresent(list -> names.put(WorkloadKind.STATEFULSET, list));
    config.daemonsets().ifPresent(list -> names.put(WorkloadKind.DAEMONSET, list));
    config.rollouts().ifPresent(list -> names.put(WorkloadKind.ROLLOUT, list));
    return new Rule(
        config.clusters().orElse(List.of()),
        config.namespace(),
        names,
        config.requesters().orElse(List.of()),
        config.approvers().orElse(List.of()),
        config.channels().orElse(List.of()),
        config.approvalRequired(),
        config.approvals(),
        config.approvalTtl());
  }

  /** The distinct approvers this rule asks for. */
  public int approvalsNeeded() {
    return approvals.orElse(1);
  }

  /** The names or globs this rule lists for a kind; empty when it lists none. */
  public List<String> names(WorkloadKind kind) {
    return names.getOrDefault(kind, List.of());
  }

  /** Whether the target's cluster, namespace, kind and name are covered, whoever asks. */
  boolean covers(Target target) {
    return coversCluster(target.cluster())
        && Glob.matches(namespace, target.namespace())
        && names(target.kind()).stream().anyMatch(glob -> Glob.matches(glob, target.name()));
  }

  boolean coversCluster(String cluster) {
    return clusters.isEmpty() || clusters.stream().anyMatch(g -> Glob.matches(g, cluster));
  }

  boolean allowsChannel(String channelId) {
    return channels.isEmpty()
        || channels.contains(ANY_CONVERSATION)
        || channels.contains(channelId);
  }
}
