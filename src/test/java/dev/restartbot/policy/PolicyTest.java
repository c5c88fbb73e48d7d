package dev.restartbot.policy;

import static dev.restartbot.policy.WorkloadKind.DEPLOYMENT;
import static dev.restartbot.policy.WorkloadKind.STATEFULSET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PolicyTest {

  static final String OPS = "C0OPS";
  static final String RANDOM = "C0RANDOM";
  static final String LEAD = "U0LEAD";
  static final String PLATFORM = "S0PLATFORM";
  static final ConversationKind PUBLIC = ConversationKind.PUBLIC_CHANNEL;

  static final Actor ALICE = Actor.member("U0ALICE");
  static final Actor BOB = Actor.member("U0BOB");
  static final Actor GUEST = new Actor("U0GUEST", true, false);
  static final Actor EXTERNAL = new Actor("W0EXTERNAL", false, true);

  /** Everyone is in the platform group, so only the guest rule can keep a guest out. */
  static final GroupMembership EVERYONE_IN_PLATFORM = (group, user) -> group.equals(PLATFORM);

  static Target deployment(String namespace, String name) {
    return new Target(DEPLOYMENT, namespace, name);
  }

  static RuleBuilder rule(String namespace) {
    return new RuleBuilder(namespace);
  }

  static Policy policy(RuleBuilder... rules) {
    return new Policy(Stream.of(rules).map(RuleBuilder::build).toList(), true, false);
  }

  static RequestDecision request(Policy policy, Actor requester, Target... targets) {
    return policy.evaluateRequest(requester, OPS, PUBLIC, List.of(targets), GroupMembership.NONE);
  }

  static ApprovalDecision approval(Policy policy, Actor approver, Target... targets) {
    return policy.evaluateApproval(
        approver, ALICE, OPS, PUBLIC, List.of(targets), GroupMembership.NONE);
  }

  @Nested
  class Requests {

    @Test
    void targetNoRuleCoversIsRefusedAsNotOnTheAllowlist() {
      Policy policy = policy(rule("payments").deployments("payments-api"));

      assertThat(request(policy, ALICE, deployment("payments", "checkout")))
          .isEqualTo(
              new RequestDecision.Refused(
                  deployment("payments", "checkout"),
                  new PolicyRefusal.NotOnAllowlist(deployment("payments", "checkout"))));
    }

    @Test
    void policyWithoutRulesRefusesEverything() {
      Policy policy = new Policy(List.of(), false, false);

      assertThat(request(policy, ALICE, deployment("default", "web")))
          .isInstanceOf(RequestDecision.Refused.class);
    }

    @Test
    void nameGlobMatchesAnyRunOfCharacters() {
      Policy policy = policy(rule("payments").deployments("payments-*"));

      assertThat(request(policy, ALICE, deployment("payments", "payments-api")))
          .isInstanceOf(RequestDecision.Allowed.class);
      assertThat(request(policy, ALICE, deployment("payments", "payments-")))
          .isInstanceOf(RequestDecision.Allowed.class);
      assertThat(request(policy, ALICE, deployment("payments", "paymentsapi")))
          .isInstanceOf(RequestDecision.Refused.class);
      assertThat(request(policy, ALICE, deployment("payments", "old-payments-api")))
          .isInstanceOf(RequestDecision.Refused.class);
    }

    @Test
    void questionMarkMatchesExactlyOneCharacter() {
      Policy policy = policy(rule("payments").deployments("worker-?"));

      assertThat(request(policy, ALICE, deployment("payments", "worker-1")))
          .isInstanceOf(RequestDecision.Allowed.class);
      assertThat(request(policy, ALICE, deployment("payments", "worker-10")))
          .isInstanceOf(RequestDecision.Refused.class);
      assertThat(request(policy, ALICE, deployment("payments", "worker-")))
          .isInstanceOf(RequestDecision.Refused.class);
    }

    @Test
    void dotInAGlobIsLiteral() {
      Policy policy = policy(rule("payments").deployments("api.v1"));

      assertThat(request(policy, ALICE, deployment("payments", "api-v1")))
          .isInstanceOf(RequestDecision.Refused.class);
    }

    @Test
    void namespaceMayBeAGlob() {
      Policy policy = policy(rule("team-*").deployments("web"));

      assertThat(request(policy, ALICE, deployment("team-a", "web")))
          .isInstanceOf(RequestDecision.Allowed.class);
      assertThat(request(policy, ALICE, deployment("default", "web")))
          .isInstanceOf(RequestDecision.Refused.class);
    }

    @Test
    void ruleCoversOnlyTheKindsItLists() {
      Policy policy = policy(rule("payments").deployments("payments-db"));

      assertThat(request(policy, ALICE, new Target(STATEFULSET, "payments", "payments-db")))
          .isInstanceOf(RequestDecision.Refused.class);
    }

    @Test
    void requesterNamedByIdIsAllowed() {
      Policy policy = policy(rule("payments").deployments("api").requesters(ALICE.userId()));

      assertThat(request(policy, ALICE, deployment("payments", "api")))
          .isInstanceOf(RequestDecision.Allowed.class);
    }

    @Test
    void requesterInANamedGroupIsAllowed() {
      Policy policy = policy(rule("payments").deployments("api").requesters(PLATFORM));
      GroupMembership aliceInPlatform =
          (group, user) -> group.equals(PLATFORM) && user.equals(ALICE.userId());

      assertThat(
              policy.evaluateRequest(
                  ALICE, OPS, PUBLIC, List.of(deployment("payments", "api")), aliceInPlatform))
          .isInstanceOf(RequestDecision.Allowed.class);
      assertThat(
              policy.evaluateRequest(
                  BOB, OPS, PUBLIC, List.of(deployment("payments", "api")), aliceInPlatform))
          .isInstanceOf(RequestDecision.Refused.class);
    }

    @Test
    void requesterOutsideTheRuleIsRefused() {
      Policy policy = policy(rule("payments").deployments("api").requesters(ALICE.userId()));

      assertThat(request(policy, BOB, deployment("payments", "api")))
          .isEqualTo(
              new RequestDecision.Refused(
                  deployment("payments", "api"),
                  new PolicyRefusal.RequesterNotAllowed(deployment("payments", "api"))));
    }

    @Test
    void emptyRequestersAdmitAnyMember() {
      Policy policy = policy(rule("payments").deployments("api"));

      assertThat(request(policy, BOB, deployment("payments", "api")))
          .isInstanceOf(RequestDecision.Allowed.class);
    }

    @Test
    void requestFromAChannelOutsideTheRuleIsRefused() {
      Policy policy = policy(rule("payments").deployments("api").channels(OPS));

      assertThat(request(policy, ALICE, deployment("payments", "api")))
          .isInstanceOf(RequestDecision.Allowed.class);
      assertThat(
              policy.evaluateRequest(
                  ALICE,
                  RANDOM,
                  PUBLIC,
                  List.of(deployment("payments", "api")),
                  GroupMembership.NONE))
          .isEqualTo(
              new RequestDecision.Refused(
                  deployment("payments", "api"),
                  new PolicyRefusal.ChannelNotAllowed(deployment("payments", "api"))));
    }

    @Test
    void channelReasonNeedsARuleThatAdmitsTheRequester() {
      Policy policy =
          policy(rule("payments").deployments("api").requesters(ALICE.userId()).channels(OPS));

      assertThat(
              policy.evaluateRequest(
                  BOB,
                  RANDOM,
                  PUBLIC,
                  List.of(deployment("payments", "api")),
                  GroupMembership.NONE))
          .extracting(decision -> ((RequestDecision.Refused) decision).reason())
          .isEqualTo(new PolicyRefusal.RequesterNotAllowed(deployment("payments", "api")));
    }

    @Test
    void guestIsRefusedByARuleWithoutRequesters() {
      Policy policy = policy(rule("payments").deployments("api"));

      assertThat(request(policy, GUEST, deployment("payments", "api")))
          .isEqualTo(
              new RequestDecision.Refused(
                  deployment("payments", "api"),
                  new PolicyRefusal.GuestMustBeNamed(PolicyRefusal.Role.REQUESTER)));
    }

    @Test
    void guestIsNotAdmittedThroughAGroup() {
      Policy policy = policy(rule("payments").deployments("api").requesters(PLATFORM));

      assertThat(
              policy.evaluateRequest(
                  GUEST, OPS, PUBLIC, List.of(deployment("payments", "api")), EVERYONE_IN_PLATFORM))
          .extracting(decision -> ((RequestDecision.Refused) decision).reason())
          .isEqualTo(new PolicyRefusal.GuestMustBeNamed(PolicyRefusal.Role.REQUESTER));
    }

    @Test
    void guestNamedByIdIsAllowed() {
      Policy policy = policy(rule("payments").deployments("api").requesters(GUEST.userId()));

      assertThat(request(policy, GUEST, deployment("payments", "api")))
          .isInstanceOf(RequestDecision.Allowed.class);
    }

    @Test
    void externalUserIsAdmittedOnlyWhenNamedById() {
      Target api = deployment("payments", "api");

      assertThat(request(policy(rule("payments").deployments("api")), EXTERNAL, api))
          .isInstanceOf(RequestDecision.Refused.class);
      assertThat(
              policy(rule("payments").deployments("api").requesters(PLATFORM))
                  .evaluateRequest(EXTERNAL, OPS, PUBLIC, List.of(api), EVERYONE_IN_PLATFORM))
          .isInstanceOf(RequestDecision.Refused.class);
      assertThat(
              request(
                  policy(rule("payments").deployments("api").requesters(EXTERNAL.userId())),
                  EXTERNAL,
                  api))
          .isInstanceOf(RequestDecision.Allowed.class);
    }

    @Test
    void approvalFollowsTheDefaultWhenTheRuleDoesNotSay() {
      List<Rule> rules = List.of(rule("payments").deployments("api").build());
      Target api = deployment("payments", "api");

      assertThat(
              new Policy(rules, true, false)
                  .evaluateRequest(ALICE, OPS, PUBLIC, List.of(api), GroupMembership.NONE))
          .isEqualTo(allowed(true));
      assertThat(
              new Policy(rules, false, false)
                  .evaluateRequest(ALICE, OPS, PUBLIC, List.of(api), GroupMembership.NONE))
          .isEqualTo(allowed(false));
    }

    @Test
    void ruleOverridesTheDefaultApproval() {
      Target api = deployment("payments", "api");
      List<Rule> relaxed = List.of(rule("payments").deployments("api").approval(false).build());
      List<Rule> strict = List.of(rule("payments").deployments("api").approval(true).build());

      assertThat(
              new Policy(relaxed, true, false)
                  .evaluateRequest(ALICE, OPS, PUBLIC, List.of(api), GroupMembership.NONE))
          .isEqualTo(allowed(false));
      assertThat(
              new Policy(strict, false, false)
                  .evaluateRequest(ALICE, OPS, PUBLIC, List.of(api), GroupMembership.NONE))
          .isEqualTo(allowed(true));
    }

    @Test
    void approvalIsRequiredWhenAnyOverlappingRuleRequiresIt() {
      Policy policy =
          policy(
              rule("payments").deployments("*").approval(false),
              rule("payments").deployments("api").approval(true));

      assertThat(request(policy, ALICE, deployment("payments", "api"))).isEqualTo(allowed(true));
      assertThat(request(policy, ALICE, deployment("payments", "worker")))
          .isEqualTo(allowed(false));
    }

    @Test
    void ruleThatDoesNotAdmitTheRequesterDoesNotDemandApproval() {
      Policy policy =
          policy(
              rule("payments").deployments("*").approval(false),
              rule("payments").deployments("api").requesters(BOB.userId()).approval(true));

      assertThat(request(policy, ALICE, deployment("payments", "api"))).isEqualTo(allowed(false));
    }

    @Test
    void requestWaitsForApprovalWhenAnyTargetNeedsIt() {
      Policy policy =
          policy(
              rule("payments").deployments("worker").approval(false),
              rule("payments").deployments("api").approval(true));

      assertThat(
              request(
                  policy, ALICE, deployment("payments", "worker"), deployment("payments", "api")))
          .isEqualTo(allowed(true));
    }

    @Test
    void oneTargetOffTheAllowlistRefusesTheWholeRequest() {
      Policy policy = policy(rule("payments").deployments("api"));

      assertThat(
              request(policy, ALICE, deployment("payments", "api"), deployment("payments", "db")))
          .extracting(decision -> ((RequestDecision.Refused) decision).target())
          .isEqualTo(deployment("payments", "db"));
    }
  }

  @Nested
  class Approvals {

    @Test
    void approverOfTheAdmittingRuleIsAdmitted() {
      Policy policy = policy(rule("payments").deployments("api").approvers(LEAD));

      assertThat(approval(policy, Actor.member(LEAD), deployment("payments", "api")))
          .isEqualTo(new ApprovalDecision.Admitted());
    }

    @Test
    void approverInANamedGroupIsAdmitted() {
      Policy policy = policy(rule("payments").deployments("api").approvers(PLATFORM));

      assertThat(
              policy.evaluateApproval(
                  BOB,
                  ALICE,
                  OPS,
                  PUBLIC,
                  List.of(deployment("payments", "api")),
                  EVERYONE_IN_PLATFORM))
          .isEqualTo(new ApprovalDecision.Admitted());
    }

    @Test
    void someoneWhoIsNotAnApproverIsRefused() {
      Policy policy = policy(rule("payments").deployments("api").approvers(LEAD));

      assertThat(approval(policy, BOB, deployment("payments", "api")))
          .isEqualTo(
              new ApprovalDecision.Refused(
                  new PolicyRefusal.NotAnApprover(deployment("payments", "api"))));
    }

    @Test
    void approversOfOverlappingRulesAreUnited() {
      Policy policy =
          policy(
              rule("payments").deployments("*").approvers(LEAD),
              rule("payments").deployments("api").approvers(BOB.userId()));

      assertThat(approval(policy, BOB, deployment("payments", "api")))
          .isEqualTo(new ApprovalDecision.Admitted());
      assertThat(approval(policy, Actor.member(LEAD), deployment("payments", "api")))
          .isEqualTo(new ApprovalDecision.Admitted());
      assertThat(approval(policy, BOB, deployment("payments", "worker")))
          .isInstanceOf(ApprovalDecision.Refused.class);
    }

    @Test
    void approverOfARuleThatDoesNotAdmitTheRequestIsNotAnApprover() {
      Policy policy =
          policy(
              rule("payments").deployments("api").approvers(LEAD),
              rule("payments").deployments("api").channels(RANDOM).approvers(BOB.userId()));

      assertThat(approval(policy, BOB, deployment("payments", "api")))
          .isInstanceOf(ApprovalDecision.Refused.class);
    }

    @Test
    void approverMustBeAdmittedForEveryTarget() {
      Policy policy =
          policy(
              rule("payments").deployments("api").approvers(LEAD, BOB.userId()),
              rule("payments").deployments("db").approvers(LEAD));

      assertThat(
              approval(
                  policy,
                  Actor.member(LEAD),
                  deployment("payments", "api"),
                  deployment("payments", "db")))
          .isEqualTo(new ApprovalDecision.Admitted());
      assertThat(approval(policy, BOB, deployment("payments", "api"), deployment("payments", "db")))
          .isEqualTo(
              new ApprovalDecision.Refused(
                  new PolicyRefusal.NotAnApprover(deployment("payments", "db"))));
    }

    @Test
    void requesterCannotApproveOwnRequest() {
      Policy policy = policy(rule("payments").deployments("api").approvers(ALICE.userId()));

      assertThat(approval(policy, ALICE, deployment("payments", "api")))
          .isEqualTo(new ApprovalDecision.Refused(new PolicyRefusal.OwnRequest()));
    }

    @Test
    void requesterMayApproveOwnRequestWhenSelfApprovalIsAllowed() {
      List<Rule> rules =
          List.of(rule("payments").deployments("api").approvers(ALICE.userId()).build());
      Policy policy = new Policy(rules, true, true);

      assertThat(approval(policy, ALICE, deployment("payments", "api")))
          .isEqualTo(new ApprovalDecision.Admitted());
    }

    @Test
    void selfApprovalStillNeedsTheRequesterToBeAnApprover() {
      List<Rule> rules = List.of(rule("payments").deployments("api").approvers(LEAD).build());
      Policy policy = new Policy(rules, true, true);

      assertThat(approval(policy, ALICE, deployment("payments", "api")))
          .isInstanceOf(ApprovalDecision.Refused.class);
    }

    @Test
    void guestApproverCountsOnlyWhenNamedById() {
      Target api = deployment("payments", "api");
      Policy byGroup = policy(rule("payments").deployments("api").approvers(PLATFORM));
      Policy byId = policy(rule("payments").deployments("api").approvers(GUEST.userId()));

      assertThat(
              byGroup.evaluateApproval(
                  GUEST, ALICE, OPS, PUBLIC, List.of(api), EVERYONE_IN_PLATFORM))
          .isEqualTo(
              new ApprovalDecision.Refused(
                  new PolicyRefusal.GuestMustBeNamed(PolicyRefusal.Role.APPROVER)));
      assertThat(
              byGroup.evaluateApproval(
                  EXTERNAL, ALICE, OPS, PUBLIC, List.of(api), EVERYONE_IN_PLATFORM))
          .isInstanceOf(ApprovalDecision.Refused.class);
      assertThat(
              byId.evaluateApproval(GUEST, ALICE, OPS, PUBLIC, List.of(api), EVERYONE_IN_PLATFORM))
          .isEqualTo(new ApprovalDecision.Admitted());
    }

    @Test
    void targetThatLeftTheAllowlistCannotBeApproved() {
      Policy policy = policy(rule("payments").deployments("api").approvers(LEAD));

      assertThat(approval(policy, Actor.member(LEAD), deployment("payments", "worker")))
          .isEqualTo(
              new ApprovalDecision.Refused(
                  new PolicyRefusal.NotOnAllowlist(deployment("payments", "worker"))));
    }
  }

  /**
   * Where a request may come from (DESIGN.md §5): a rule without channels admits every conversation
   * the bot is in, and so does {@code "*"}; named channel ids admit those alone.
   */
  @Nested
  class Conversations {

    static final String DM = "D0DM";
    static final String PRIVATE = "G0PRIVATE";
    final Target api = deployment("payments", "api");

    RequestDecision from(Policy policy, String channelId, ConversationKind kind) {
      return policy.evaluateRequest(ALICE, channelId, kind, List.of(api), GroupMembership.NONE);
    }

    @Test
    void ruleWithoutChannelsAdmitsAnyConversation() {
      Policy policy = policy(rule("payments").deployments("api"));

      assertThat(from(policy, OPS, PUBLIC)).isInstanceOf(RequestDecision.Allowed.class);
      assertThat(from(policy, RANDOM, PUBLIC)).isInstanceOf(RequestDecision.Allowed.class);
      assertThat(from(policy, DM, ConversationKind.DIRECT_MESSAGE))
          .isInstanceOf(RequestDecision.Allowed.class);
      assertThat(from(policy, PRIVATE, ConversationKind.PRIVATE_CHANNEL))
          .isInstanceOf(RequestDecision.Allowed.class);
      assertThat(from(policy, "C0SECRET", ConversationKind.PRIVATE_CHANNEL))
          .isInstanceOf(RequestDecision.Allowed.class);
    }

    @Test
    void starAdmitsEveryConversationTheBotIsIn() {
      Policy policy = policy(rule("payments").deployments("api").channels("*"));

      for (ConversationKind kind : ConversationKind.values()) {
        assertThat(from(policy, DM, kind))
            .as(kind.name())
            .isInstanceOf(RequestDecision.Allowed.class);
      }
    }

    @Test
    void aNamedChannelIsAdmittedWhateverItsKindAndNoOtherIs() {
      Policy policy = policy(rule("payments").deployments("api").channels(PRIVATE));

      assertThat(from(policy, PRIVATE, ConversationKind.PRIVATE_CHANNEL))
          .isInstanceOf(RequestDecision.Allowed.class);
      assertThat(from(policy, OPS, PUBLIC))
          .isEqualTo(new RequestDecision.Refused(api, new PolicyRefusal.ChannelNotAllowed(api)));
      assertThat(from(policy, DM, ConversationKind.DIRECT_MESSAGE))
          .isEqualTo(new RequestDecision.Refused(api, new PolicyRefusal.ChannelNotAllowed(api)));
    }

    @Test
    void approvalIsJudgedByTheChannelTheRequestCameFrom() {
      // From the DM only the open rule admits the request, so only its approvers may decide it.
      Policy policy =
          policy(
              rule("payments").deployments("api").approvers(LEAD).channels(OPS),
              rule("payments").deployments("api").approvers(BOB.userId()));
      Actor lead = Actor.member(LEAD);

      assertThat(
              policy.evaluateApproval(
                  lead,
                  ALICE,
                  DM,
                  ConversationKind.DIRECT_MESSAGE,
                  List.of(api),
                  GroupMembership.NONE))
          .isEqualTo(new ApprovalDecision.Refused(new PolicyRefusal.NotAnApprover(api)));
      assertThat(
              policy.evaluateApproval(
                  BOB,
                  ALICE,
                  DM,
                  ConversationKind.DIRECT_MESSAGE,
                  List.of(api),
                  GroupMembership.NONE))
          .isEqualTo(new ApprovalDecision.Admitted());
      assertThat(
              policy.evaluateApproval(lead, ALICE, OPS, PUBLIC, List.of(api), GroupMembership.NONE))
          .isEqualTo(new ApprovalDecision.Admitted());
    }

    @Test
    void starBesideChannelIdsStopsStartup() {
      List<Rule> rules = List.of(rule("payments").deployments("api").channels("*", OPS).build());

      assertThatThrownBy(() -> new Policy(rules, true, false))
          .isInstanceOf(PolicyException.class)
          .hasMessageStartingWith("restart.rules[0].channels: \"*\" already admits every");
    }

    @Test
    void channelIdsAloneSayWhatKindTheyAre() {
      assertThat(ConversationKind.fromChannelId("C0OPS")).isEqualTo(PUBLIC);
      assertThat(ConversationKind.fromChannelId("G0GROUP"))
          .isEqualTo(ConversationKind.PRIVATE_CHANNEL);
      assertThat(ConversationKind.fromChannelId("D0DM")).isEqualTo(ConversationKind.DIRECT_MESSAGE);
      assertThat(ConversationKind.fromChannelId("")).isEqualTo(ConversationKind.OTHER);
      assertThat(ConversationKind.fromChannelId("U0ALICE")).isEqualTo(ConversationKind.OTHER);
    }
  }

  @Nested
  class Validation {

    @Test
    void ruleNeedingApprovalByDefaultWithoutApproversStopsStartup() {
      List<Rule> rules =
          List.of(
              rule("payments").deployments("api").build(),
              rule("payments").deployments("db").approvers().build());

      assertThatThrownBy(() -> new Policy(rules, true, false))
          .isInstanceOf(PolicyException.class)
          .hasMessage(
              "restart.rules[1]: approval is required but no approvers are named; add"
                  + " restart.rules[1].approvers or set approval-required: false");
    }

    @Test
    void ruleNeedingApprovalExplicitlyWithoutApproversStopsStartup() {
      List<Rule> rules =
          List.of(rule("payments").deployments("api").approvers().approval(true).build());

      assertThatThrownBy(() -> new Policy(rules, false, false))
          .isInstanceOf(PolicyException.class)
          .hasMessageStartingWith("restart.rules[0]: approval is required but no approvers");
    }

    @Test
    void ruleWithoutApprovalNeedsNoApprovers() {
      List<Rule> rules =
          List.of(rule("payments").deployments("api").approvers().approval(false).build());

      assertThat(new Policy(rules, true, false).rules()).isEqualTo(rules);
    }

    @Test
    void ruleWithoutNamespaceStopsStartup() {
      List<Rule> rules = List.of(rule(" ").deployments("api").build());

      assertThatThrownBy(() -> new Policy(rules, true, false))
          .isInstanceOf(PolicyException.class)
          .hasMessage(
              "restart.rules[0]: no namespace; set restart.rules[0].namespace to a namespace or a"
                  + " glob");
      assertThatThrownBy(
              () -> new Policy(List.of(rule(null).deployments("api").build()), true, false))
          .hasMessageStartingWith("restart.rules[0]: no namespace");
    }

    @Test
    void ruleNamingNoWorkloadsStopsStartup() {
      List<Rule> rules =
          List.of(rule("payments").deployments("api").build(), rule("payments").build());

      assertThatThrownBy(() -> new Policy(rules, true, false))
          .isInstanceOf(PolicyException.class)
          .hasMessage(
              "restart.rules[1]: names no workloads; add restart.rules[1].deployments,"
                  + " .statefulsets, .daemonsets or .rollouts");
      assertThatThrownBy(
              () -> new Policy(List.of(rule("payments").deployments().build()), true, false))
          .hasMessageStartingWith("restart.rules[0]: names no workloads");
    }

    @Test
    void emptyNameStopsStartup() {
      List<Rule> rules = List.of(rule("payments").deployments("api", "").build());

      assertThatThrownBy(() -> new Policy(rules, true, false))
          .isInstanceOf(PolicyException.class)
          .hasMessage("restart.rules[0].deployments[1]: empty entry; remove it or write a name");
    }

    @Test
    void emptyApproverStopsStartup() {
      List<Rule> rules = List.of(rule("payments").deployments("api").approvers(LEAD, " ").build());

      assertThatThrownBy(() -> new Policy(rules, true, false))
          .hasMessage("restart.rules[0].approvers[1]: empty entry; remove it or write a name");
    }
  }

  @Nested
  class Configuration {

    PolicyConfig load(Map<String, String> properties) {
      return new SmallRyeConfigBuilder()
          // The app reads "15m" through Quarkus's converter; plain SmallRye only knows ISO-8601.
          .withConverter(Duration.class, 100, new DurationConverter())
          .withMapping(PolicyConfig.class)
          .withSources(new PropertiesConfigSource(properties, "test", 100))
          .build()
          .getConfigMapping(PolicyConfig.class);
    }

    @Test
    void noRulesConfiguredGivesTheDefaultsAndAPolicyThatRefusesEverything() {
      PolicyConfig config = load(Map.of());

      assertThat(config.defaultNamespace()).isEqualTo("default");
      assertThat(config.maxTargets()).isEqualTo(20);
      assertThat(config.approval().required()).isTrue();
      assertThat(config.approval().ttl()).isEqualTo(Duration.ofMinutes(15));
      assertThat(config.approval().allowSelfApproval()).isFalse();
      assertThat(config.rules()).isEmpty();

      Policy policy = Policy.from(config);
      assertThat(policy.rules()).isEmpty();
      assertThat(request(policy, ALICE, deployment("default", "web")))
          .isInstanceOf(RequestDecision.Refused.class);
    }

    @Test
    void indexedRuleKeysMapToRules() {
      PolicyConfig config =
          load(
              Map.ofEntries(
                  Map.entry("restart.approval.required", "false"),
                  Map.entry("restart.approval.allow-self-approval", "true"),
                  Map.entry("restart.rules[0].namespace", "payments"),
                  Map.entry("restart.rules[0].deployments[0]", "payments-api"),
                  Map.entry("restart.rules[0].deployments[1]", "payments-*"),
                  Map.entry("restart.rules[0].statefulsets[0]", "payments-db"),
                  Map.entry("restart.rules[0].requesters[0]", "U0REQUESTER"),
                  Map.entry("restart.rules[0].requesters[1]", PLATFORM),
                  Map.entry("restart.rules[0].approvers[0]", LEAD),
                  Map.entry("restart.rules[0].channels[0]", OPS),
                  Map.entry("restart.rules[0].approval-required", "true"),
                  Map.entry("restart.rules[1].namespace", "batch"),
                  Map.entry("restart.rules[1].daemonsets", "log-agent,node-*"),
                  Map.entry("restart.rules[1].rollouts[0]", "canary-*")));

      Policy policy = Policy.from(config);

      assertThat(policy.defaultApprovalRequired()).isFalse();
      assertThat(policy.allowSelfApproval()).isTrue();
      assertThat(policy.rules())
          .containsExactly(
              new Rule(
                  "payments",
                  Map.of(
                      DEPLOYMENT, List.of("payments-api", "payments-*"),
                      STATEFULSET, List.of("payments-db")),
                  List.of("U0REQUESTER", PLATFORM),
                  List.of(LEAD),
                  List.of(OPS),
                  Optional.of(true)),
              new Rule(
                  "batch",
                  Map.of(
                      WorkloadKind.DAEMONSET,
                      List.of("log-agent", "node-*"),
                      WorkloadKind.ROLLOUT,
                      List.of("canary-*")),
                  List.of(),
                  List.of(),
                  List.of(),
                  Optional.empty()));
    }

    @Test
    void starInChannelsIsReadAsItIsWritten() {
      PolicyConfig config =
          load(
              Map.of(
                  "restart.rules[0].namespace", "payments",
                  "restart.rules[0].deployments[0]", "api",
                  "restart.rules[0].approvers[0]", LEAD,
                  "restart.rules[0].channels[0]", "*"));

      Policy policy = Policy.from(config);

      assertThat(policy.rules().get(0).channels()).containsExactly("*");
      assertThat(
              policy.evaluateRequest(
                  ALICE,
                  "D0DM",
                  ConversationKind.DIRECT_MESSAGE,
                  List.of(deployment("payments", "api")),
                  GroupMembership.NONE))
          .isInstanceOf(RequestDecision.Allowed.class);
    }

    @Test
    void misconfiguredRuleStopsPolicyCreation() {
      PolicyConfig config =
          load(
              Map.of(
                  "restart.rules[0].namespace", "payments",
                  "restart.rules[0].deployments[0]", "api"));

      assertThatThrownBy(() -> Policy.from(config))
          .isInstanceOf(PolicyException.class)
          .hasMessageStartingWith("restart.rules[0]: approval is required but no approvers");
    }
  }

  @Nested
  class Clusters {

    final List<String> fleet = List.of("eu-prod", "us-prod", "staging");

    Policy fleetPolicy(RuleBuilder... rules) {
      return new Policy(Stream.of(rules).map(RuleBuilder::build).toList(), true, false, fleet);
    }

    Target in(String cluster, String name) {
      return new Target(cluster, DEPLOYMENT, "payments", name);
    }

    @Test
    void aRuleCoversTheClustersItNamesByNameOrGlobAndNoOther() {
      Policy policy = fleetPolicy(rule("payments").clusters("eu-prod", "us-*").deployments("api"));

      assertThat(request(policy, ALICE, in("eu-prod", "api"))).isEqualTo(allowed(true));
      assertThat(request(policy, ALICE, in("us-prod", "api"))).isEqualTo(allowed(true));
      assertThat(request(policy, ALICE, in("staging", "api")))
          .isEqualTo(
              new RequestDecision.Refused(
                  in("staging", "api"), new PolicyRefusal.NotOnAllowlist(in("staging", "api"))));
    }

    @Test
    void anApproverOfAStagingRuleMayNotApproveTheSameWorkloadInProduction() {
      Policy policy =
          fleetPolicy(
              rule("payments").clusters("staging").deployments("api").approvers("U0BOB"),
              rule("payments").clusters("*-prod").deployments("api").approvers(LEAD));

      assertThat(approval(policy, BOB, in("staging", "api")))
          .isInstanceOf(ApprovalDecision.Admitted.class);
      assertThat(approval(policy, BOB, in("eu-prod", "api")))
          .isEqualTo(
              new ApprovalDecision.Refused(new PolicyRefusal.NotAnApprover(in("eu-prod", "api"))));
    }

    @Test
    void withSeveralClustersARuleThatNamesNoneStopsTheStartNamingTheRule() {
      assertThatThrownBy(
              () ->
                  fleetPolicy(
                      rule("payments").clusters("*").deployments("api"),
                      rule("batch").deployments("report")))
          .isInstanceOf(PolicyException.class)
          .hasMessageStartingWith("restart.rules[1]: names no clusters")
          .hasMessageContaining("eu-prod, us-prod, staging")
          .hasMessageContaining("restart.rules[1].clusters");
    }

    @Test
    void aClusterNameThatNoClusterHasStopsTheStart() {
      assertThatThrownBy(() -> fleetPolicy(rule("payments").clusters("eu-prd").deployments("api")))
          .isInstanceOf(PolicyException.class)
          .hasMessage(
              "restart.rules[0].clusters[0]: no cluster is named eu-prd; the clusters are"
                  + " eu-prod, us-prod, staging (restart.clusters)");
    }

    @Test
    void aGlobThatMatchesNoClusterYetIsAllowed() {
      Policy policy = fleetPolicy(rule("payments").clusters("ap-*").deployments("api"));

      assertThat(request(policy, ALICE, in("eu-prod", "api")))
          .isInstanceOf(RequestDecision.Refused.class);
    }

    @Test
    void withOneUnnamedClusterRulesNeedNoClustersAndMayNameIt() {
      Policy open = policy(rule("payments").deployments("api"));
      Policy named = policy(rule("payments").clusters("default").deployments("api"));

      assertThat(request(open, ALICE, deployment("payments", "api")))
          .isInstanceOf(RequestDecision.Allowed.class);
      assertThat(request(named, ALICE, deployment("payments", "api")))
          .isInstanceOf(RequestDecision.Allowed.class);
      assertThatThrownBy(() -> policy(rule("payments").clusters("prod").deployments("api")))
          .isInstanceOf(PolicyException.class)
          .hasMessageContaining("no cluster is named prod");
    }

    @Test
    void clustersAreReadFromTheRuleKeys() {
      PolicyConfig config =
          new Configuration()
              .load(
                  Map.of(
                      "restart.rules[0].clusters[0]", "eu-prod",
                      "restart.rules[0].clusters[1]", "us-*",
                      "restart.rules[0].namespace", "payments",
                      "restart.rules[0].deployments[0]", "api",
                      "restart.rules[0].approvers[0]", LEAD));

      Policy policy = Policy.from(config, fleet);

      assertThat(policy.rules().get(0).clusters()).containsExactly("eu-prod", "us-*");
      assertThatThrownBy(() -> Policy.from(config))
          .isInstanceOf(PolicyException.class)
          .hasMessageContaining("no cluster is named eu-prod");
    }
  }

  /** One approval within the default ttl: what a rule that says nothing more asks. */
  static RequestDecision.Allowed allowed(boolean approvalRequired) {
    return new RequestDecision.Allowed(approvalRequired, 1, Policy.DEFAULT_TTL);
  }

  @Nested
  class Pickers {

    final List<String> fleet = List.of("eu-prod", "staging");

    Policy fleetPolicy(RuleBuilder... rules) {
      return new Policy(Stream.of(rules).map(RuleBuilder::build).toList(), true, false, fleet);
    }

    @Test
    void theNamespacesOfferedAreThoseOfTheRulesThatAdmitTheRequesterInThatCluster() {
      Policy policy =
          fleetPolicy(
              rule("payments").clusters("eu-*").deployments("api").approvers(LEAD),
              rule("pay-*").clusters("eu-prod").deployments("*").approvers(LEAD),
              rule("vault").clusters("*").deployments("vault").requesters(BOB.userId()),
              rule("payments").clusters("staging").deployments("web").approvers(LEAD));

      assertThat(policy.namespacesFor("eu-prod", ALICE, GroupMembership.NONE))
          .containsExactly("payments", "pay-*");
      assertThat(policy.namespacesFor("eu-prod", BOB, GroupMembership.NONE))
          .containsExactly("payments", "pay-*", "vault");
      assertThat(policy.namespacesFor("staging", ALICE, GroupMembership.NONE))
          .containsExactly("payments");
      assertThat(policy.namespacesFor("eu-prod", GUEST, GroupMembership.NONE)).isEmpty();
    }

    @Test
    void aWorkloadIsOfferedOnlyToThoseARuleCoveringItAdmitsWhateverTheChannel() {
      Policy policy =
          policy(
              rule("payments")
                  .deployments("api")
                  .requesters(PLATFORM)
                  .channels(OPS)
                  .approvers(LEAD));

      assertThat(policy.mayAsk(deployment("payments", "api"), ALICE, EVERYONE_IN_PLATFORM))
          .isTrue();
      assertThat(policy.mayAsk(deployment("payments", "api"), ALICE, GroupMembership.NONE))
          .isFalse();
      assertThat(policy.mayAsk(deployment("payments", "web"), ALICE, EVERYONE_IN_PLATFORM))
          .isFalse();
      assertThat(policy.mayAsk(deployment("payments", "api"), GUEST, EVERYONE_IN_PLATFORM))
          .isFalse();
    }
  }

  @Nested
  class ApprovalCountAndTtl {

    @Test
    void largestApprovalsAndShortestTtlOfTheAdmittingRulesHold() {
      Policy policy =
          policy(
              rule("payments").deployments("*").approvals(2).ttl(Duration.ofHours(1)),
              rule("payments").deployments("api").approvals(3).ttl(Duration.ofMinutes(5)),
              rule("vault").deployments("vault"));

      assertThat(request(policy, ALICE, deployment("payments", "api")))
          .isEqualTo(new RequestDecision.Allowed(true, 3, Duration.ofMinutes(5)));
      assertThat(request(policy, ALICE, deployment("payments", "worker")))
          .isEqualTo(new RequestDecision.Allowed(true, 2, Duration.ofHours(1)));
      assertThat(
              request(
                  policy, ALICE, deployment("payments", "worker"), deployment("vault", "vault")))
          .as("the vault rule has the default ttl, shorter than an hour")
          .isEqualTo(new RequestDecision.Allowed(true, 2, Policy.DEFAULT_TTL));
    }

    @Test
    void ruleTtlOverridesTheConfiguredDefault() {
      List<Rule> rules =
          List.of(rule("payments").deployments("api").ttl(Duration.ofHours(2)).build());
      Policy policy = new Policy(rules, true, false, Duration.ofMinutes(30));

      assertThat(
              policy.evaluateRequest(
                  ALICE, OPS, PUBLIC, List.of(deployment("payments", "api")), GroupMembership.NONE))
          .isEqualTo(new RequestDecision.Allowed(true, 1, Duration.ofHours(2)));
    }

    @Test
    void ruleThatDoesNotAdmitTheRequesterDoesNotRaiseTheCount() {
      Policy policy =
          policy(
              rule("payments").deployments("*"),
              rule("payments").deployments("api").requesters(BOB.userId()).approvals(2));

      assertThat(request(policy, ALICE, deployment("payments", "api"))).isEqualTo(allowed(true));
    }

    @Test
    void zeroApprovalsIsAStartupErrorThatNamesTheSetting() {
      assertThatThrownBy(() -> policy(rule("payments").deployments("api").approvals(0)))
          .isInstanceOf(PolicyException.class)
          .hasMessageContaining("restart.rules[0].approvals");
    }

    @Test
    void severalApprovalsForARuleThatNeedsNoneIsAStartupError() {
      assertThatThrownBy(
              () -> policy(rule("payments").deployments("api").approval(false).approvals(2)))
          .isInstanceOf(PolicyException.class)
          .hasMessageContaining("restart.rules[0].approvals");
    }

    @Test
    void aTtlOfZeroIsAStartupError() {
      assertThatThrownBy(() -> policy(rule("payments").deployments("api").ttl(Duration.ZERO)))
          .isInstanceOf(PolicyException.class)
          .hasMessageContaining("restart.rules[0].approval-ttl");
    }
  }

  static final class RuleBuilder {
    private final String namespace;
    private final Map<WorkloadKind, List<String>> names = new EnumMap<>(WorkloadKind.class);
    private List<String> requesters = List.of();
    private List<String> approvers = List.of(LEAD);
    private List<String> channels = List.of();
    private Optional<Boolean> approvalRequired = Optional.empty();
    private List<String> clusters = List.of();
    private Optional<Integer> approvals = Optional.empty();
    private Optional<Duration> ttl = Optional.empty();

    RuleBuilder(String namespace) {
      this.namespace = namespace;
    }

    RuleBuilder deployments(String... globs) {
      names.put(DEPLOYMENT, new ArrayList<>(List.of(globs)));
      return this;
    }

    RuleBuilder requesters(String... ids) {
      requesters = List.of(ids);
      return this;
    }

    RuleBuilder approvers(String... ids) {
      approvers = List.of(ids);
      return this;
    }

    RuleBuilder channels(String... ids) {
      channels = List.of(ids);
      return this;
    }

    RuleBuilder clusters(String... globs) {
      clusters = List.of(globs);
      return this;
    }

    RuleBuilder approval(boolean required) {
      approvalRequired = Optional.of(required);
      return this;
    }

    RuleBuilder approvals(int n) {
      approvals = Optional.of(n);
      return this;
    }

    RuleBuilder ttl(Duration d) {
      ttl = Optional.of(d);
      return this;
    }

    Rule build() {
      return new Rule(
          clusters,
          namespace,
          names,
          requesters,
          approvers,
          channels,
          approvalRequired,
          approvals,
          ttl);
    }
  }
}
