package dev.restartbot.policy;

import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Decides, from the allowlist alone, who may ask for a restart of what and from where, whether it
 * needs approval, and who may approve it. Deny by default: a target no rule admits refuses the
 * whole request.
 */
public final class Policy {

  /** {@code restart.approval.ttl} when nobody sets it. */
  public static final Duration DEFAULT_TTL = Duration.ofMinutes(15);

  private final List<Rule> rules;
  private final boolean defaultApprovalRequired;
  private final boolean allowSelfApproval;
  private final List<String> clusters;
  private final Duration defaultApprovalTtl;

  /**
   * The policy of a bot that serves one cluster, {@value Target#DEFAULT_CLUSTER}, whose rules wait
   * the default time for their approvers, {@link #DEFAULT_TTL}.
   */
  public Policy(List<Rule> rules, boolean defaultApprovalRequired, boolean allowSelfApproval) {
    this(rules, defaultApprovalRequired, allowSelfApproval, List.of(Target.DEFAULT_CLUSTER));
  }

  /** The policy of a bot that serves {@code clusters}, whose rules wait {@link #DEFAULT_TTL}. */
  public Policy(
      List<Rule> rules,
      boolean defaultApprovalRequired,
      boolean allowSelfApproval,
      List<String> clusters) {
    this(rules, defaultApprovalRequired, allowSelfApproval, clusters, DEFAULT_TTL);
  }

  /** The policy of a bot that serves one cluster, whose rules wait {@code defaultApprovalTtl}. */
  public Policy(
      List<Rule> rules,
      boolean defaultApprovalRequired,
      boolean allowSelfApproval,
      Duration defaultApprovalTtl) {
    this(
        rules,
        defaultApprovalRequired,
        allowSelfApproval,
        List.of(Target.DEFAULT_CLUSTER),
        defaultApprovalTtl);
  }

  /**
   * @param clusters the names of the clusters the bot serves, which rules may name
   * @throws PolicyException when a rule cannot work as written; the message names the setting
   */
  public Policy(
      List<Rule> rules,
      boolean defaultApprovalRequired,
      boolean allowSelfApproval,
      List<String> clusters,
      Duration defaultApprovalTtl) {
    this.rules = List.copyOf(rules);
    this.defaultApprovalRequired = defaultApprovalRequired;
    this.allowSelfApproval = allowSelfApproval;
    this.clusters = List.copyOf(clusters);
    this.defaultApprovalTtl = Objects.requireNonNull(defaultApprovalTtl, "defaultApprovalTtl");
    for (int i = 0; i < this.rules.size(); i++) {
      validate(this.rules.get(i), "restart.rules[" + i + "]");
    }
  }

  public static Policy from(PolicyConfig config) {
    return from(config, List.of(Target.DEFAULT_CLUSTER));
  }

  /** The configured policy of a bot that serves {@code clusters}. */
  public static Policy from(PolicyConfig config, List<String> clusters) {
    return new Policy(
        config.rules().stream().map(Rule::from).toList(),
        config.approval().required(),
        config.approval().allowSelfApproval(),
        clusters,
        config.approval().ttl());
  }

  public List<Rule> rules() {
    return rules;
  }

  public boolean defaultApprovalRequired() {
    return defaultApprovalRequired;
  }

  public boolean allowSelfApproval() {
    return allowSelfApproval;
  }

  /**
   * Whether {@code requester} may ask, in {@code channelId} (a conversation of that {@code kind}),
   * for a restart of every target.
   */
  public RequestDecision evaluateRequest(
      Actor requester,
      String channelId,
      ConversationKind kind,
      List<Target> targets,
      GroupMembership groups) {
    checkArguments(channelId, kind, targets);
    boolean approvalRequired = false;
    int approvals = 1;
    Duration ttl = null;
    for (Target target : targets) {
      List<Rule> admitting = admitting(target, requester, channelId, groups);
      if (admitting.isEmpty()) {
        return new RequestDecision.Refused(target, whyRefused(target, requester, groups));
      }
      approvalRequired |= admitting.stream().anyMatch(this::requiresApproval);
      for (Rule rule : admitting) {
        approvals = Math.max(approvals, rule.approvalsNeeded());
        Duration ruleTtl = rule.approvalTtl().orElse(defaultApprovalTtl);
        ttl = ttl == null || ruleTtl.compareTo(ttl) < 0 ? ruleTtl : ttl;
      }
    }
    return new RequestDecision.Allowed(approvalRequired, approvals, ttl);
  }

  /**
   * Whether {@code approver} may decide the request {@code requester} made in {@code channelId}:
   * they must be an approver of an admitting rule of every target.
   */
  public ApprovalDecision evaluateApproval(
      Actor approver,
      Actor requester,
      String channelId,
      ConversationKind kind,
      List<Target> targets,
      GroupMembership groups) {
    checkArguments(channelId, kind, targets);
    if (approver.userId().equals(requester.userId()) && !allowSelfApproval) {
      return new ApprovalDecision.Refused(new PolicyRefusal.OwnRequest());
    }
    for (Target target : targets) {
      List<Rule> admitting = admitting(target, requester, channelId, groups);
      if (admitting.isEmpty()) {
        // The policy changed after the request was made.
        return new ApprovalDecision.Refused(new PolicyRefusal.NotOnAllowlist(target));
      }
      Set<String> approvers = new LinkedHashSet<>();
      admitting.forEach(rule -> approvers.addAll(rule.approvers()));
      if (!listed(approvers, approver, groups)) {
        return new ApprovalDecision.Refused(
            approver.needsExplicitMention() && listed(approvers, asMember(approver), groups)
                ? new PolicyRefusal.GuestMustBeNamed(PolicyRefusal.Role.APPROVER)
                : new PolicyRefusal.NotAnApprover(target));
      }
    }
    return new ApprovalDecision.Admitted();
  }

  /**
   * The namespaces, as the rules write them (names or globs), in which {@code requester} may ask
   * for something in {@code cluster} from some channel: what a picker may offer. Each request is
   * still checked in full when it is made.
   */
  public List<String> namespacesFor(String cluster, Actor requester, GroupMembership groups) {
    return rules.stream()
        .filter(rule -> rule.coversCluster(cluster))
        .filter(rule -> admitsRequester(rule, requester, groups))
        .map(Rule::namespace)
        .distinct()
        .toList();
  }

  /**
   * Whether some rule covers {@code target} and admits {@code requester}, from whatever channel: a
   * workload a picker may offer them. The request made of it is checked in full.
   */
  public boolean mayAsk(Target target, Actor requester, GroupMembership groups) {
    return rules.stream()
        .anyMatch(rule -> rule.covers(target) && admitsRequester(rule, requester, groups));
  }

  private List<Rule> admitting(
      Target target, Actor requester, String channelId, GroupMembership groups) {
    return rules.stream()
        .filter(rule -> rule.covers(target))
        .filter(rule -> admitsRequester(rule, requester, groups))
        .filter(rule -> rule.allowsChannel(channelId))
        .toList();
  }

  /** The most specific reason that is true, without telling what the other rules would allow. */
  private PolicyRefusal whyRefused(Target target, Actor requester, GroupMembership groups) {
    List<Rule> covering = rules.stream().filter(rule -> rule.covers(target)).toList();
    if (covering.isEmpty()) {
      return new PolicyRefusal.NotOnAllowlist(target);
    }
    List<Rule> forRequester =
        covering.stream().filter(rule -> admitsRequester(rule, requester, groups)).toList();
    if (!forRequester.isEmpty()) {
      return new PolicyRefusal.ChannelNotAllowed(target);
    }
    if (requester.needsExplicitMention()
        && covering.stream().anyMatch(rule -> admitsRequester(rule, asMember(requester), groups))) {
      return new PolicyRefusal.GuestMustBeNamed(PolicyRefusal.Role.REQUESTER);
    }
    return new PolicyRefusal.RequesterNotAllowed(target);
  }

  private static boolean admitsRequester(Rule rule, Actor requester, GroupMembership groups) {
    return (rule.requesters().isEmpty() && !requester.needsExplicitMention())
        || listed(rule.requesters(), requester, groups);
  }

  /** Guests and external users count only when named by user id, never through a group. */
  private static boolean listed(Collection<String> entries, Actor actor, GroupMembership groups) {
    if (entries.contains(actor.userId())) {
      return true;
    }
    return !actor.needsExplicitMention()
        && entries.stream()
            .filter(Policy::isGroup)
            .anyMatch(group -> groups.isMember(group, actor.userId()));
  }

  private static boolean isGroup(String entry) {
    return entry.startsWith("S");
  }

  /** The same person as a full member: tells "a guest" apart from "not listed at all". */
  private static Actor asMember(Actor actor) {
    return Actor.member(actor.userId());
  }

  private boolean requiresApproval(Rule rule) {
    return rule.approvalRequired().orElse(defaultApprovalRequired);
  }

  private static void checkArguments(
      String channelId, ConversationKind kind, List<Target> targets) {
    Objects.requireNonNull(channelId, "channelId");
    Objects.requireNonNull(kind, "kind");
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("a request names at least one target");
    }
  }

  private void validate(Rule rule, String key) {
    validateClusters(rule, key);
    if (rule.namespace() == null || rule.namespace().isBlank()) {
      throw new PolicyException(
          key + ": no namespace; set " + key + ".namespace to a namespace or a glob");
    }
    if (rule.names().values().stream().allMatch(List::isEmpty)) {
      throw new PolicyException(
          key
              + ": names no workloads; add "
              + key
              + ".deployments, .statefulsets, .daemonsets or .rollouts");
    }
    rule.names().forEach((kind, names) -> requireNoBlank(key + "." + kind.plural(), names));
    requireNoBlank(key + ".requesters", rule.requesters());
    requireNoBlank(key + ".approvers", rule.approvers());
    requireNoBlank(key + ".channels", rule.channels());
    if (rule.channels().contains(Rule.ANY_CONVERSATION) && rule.channels().size() > 1) {
      throw new PolicyException(
          key
              + ".channels: \"*\" already admits every conversation the bot is in; list it alone,"
              + " or list channel ids without it");
    }
    if (rule.approvals().isPresent() && rule.approvals().get() < 1) {
      throw new PolicyException(
          key + ".approvals: " + rule.approvals().get() + "; write 1 or more distinct approvers");
    }
    if (rule.approvalsNeeded() > 1 && !requiresApproval(rule)) {
      throw new PolicyException(
          key
              + ".approvals: "
              + rule.approvalsNeeded()
              + " approvals for a rule that needs no approval; remove one of the two");
    }
    if (rule.approvalTtl().isPresent()
        && (rule.approvalTtl().get().isNegative() || rule.approvalTtl().get().isZero())) {
      throw new PolicyException(key + ".approval-ttl: must be longer than zero, e.g. 15m or 1h");
    }
    if (requiresApproval(rule) && rule.approvers().isEmpty()) {
      throw new PolicyException(
          key
              + ": approval is required but no approvers are named; add "
              + key
              + ".approvers or set approval-required: false");
    }
  }

  /**
   * With several clusters a rule must say which it is for, so that a rule written for staging never
   * admits production by being silent. A name without a glob character must be a cluster's: a typo
   * would otherwise make a rule that admits nothing. A glob that matches none is allowed (a rule
   * may be written before its cluster is added).
   */
  private void validateClusters(Rule rule, String key) {
    if (rule.clusters().isEmpty() && clusters.size() > 1) {
      throw new PolicyException(
          "%s: names no clusters, and the bot serves %d (%s); add %s.clusters with names or globs"
              .formatted(key, clusters.size(), String.join(", ", clusters), key));
    }
    requireNoBlank(key + ".clusters", rule.clusters());
    for (int i = 0; i < rule.clusters().size(); i++) {
      String entry = rule.clusters().get(i);
      boolean glob = entry.indexOf('*') >= 0 || entry.indexOf('?') >= 0;
      if (!glob && !clusters.contains(entry)) {
        throw new PolicyException(
            "%s.clusters[%d]: no cluster is named %s; the clusters are %s (restart.clusters)"
                .formatted(key, i, entry, String.join(", ", clusters)));
      }
    }
  }

  private static void requireNoBlank(String key, List<String> entries) {
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).isBlank()) {
        throw new PolicyException(key + "[" + i + "]: empty entry; remove it or write a name");
      }
    }
  }
}
